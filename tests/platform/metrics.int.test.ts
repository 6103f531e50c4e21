import { composeEgn } from '@casework/contracts';
import { eligibility } from '@casework/eligibility';
import { intake } from '@casework/intake';
import { eventually, requestsAs, testApp } from '@casework/testkit';
import t from 'tap';

/**
 * Issue 20: Prometheus metrics an operator expects, when asked for: every route's latency by method,
 * route template and status, and each consumer's lag and work; without METRICS_ENABLED no /metrics.
 */
t.test('metrics per route and per consumer, when enabled', async (t) => {
  const h = await testApp(t, [intake, eligibility], { metrics: true });
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  const registered = await requestsAs(h.app, cm).post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1968-08-21', 134) },
    givenName: 'Мария',
    familyName: 'Примерова',
    municipality: 'BLG01',
  });
  t.equal(registered.statusCode, 201, registered.body);
  const id = registered.json().clientId;
  t.equal((await requestsAs(h.app, cm).get(`/v1/clients/${id}`)).statusCode, 200);

  const metrics = await eventually(async () => {
    const text = (await h.app.inject({ url: '/metrics' })).body;
    return /casework_consumer_processed_total\{service="eligibility",consumer="[^"]+"\} [1-9]/.test(text)
      ? text
      : undefined;
  });
  t.ok(metrics, "eligibility's consumer counted the registration");
  t.match(
    metrics,
    /casework_http_request_duration_seconds_count\{method="POST",route="\/v1\/clients",status="201"\} 1/,
    'the registration, by route template and status',
  );
  t.match(
    metrics,
    /casework_http_request_duration_seconds_count\{method="GET",route="\/v1\/clients\/:clientId",status="200"\} 1/,
    'the read, by its template, never its id',
  );
  t.notMatch(metrics, id, 'no client id in any label');
  t.match(metrics, /casework_consumer_lag_messages\{service="eligibility",consumer="[^"]+"\} \d+/);
  t.match(metrics, /casework_relay_lag_events\{service="intake"\} \d+/);
});

t.test('no /metrics unless enabled', async (t) => {
  const h = await testApp(t, [intake]);
  t.equal((await h.app.inject({ url: '/metrics' })).statusCode, 404);
});
