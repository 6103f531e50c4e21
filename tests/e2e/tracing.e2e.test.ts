import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeEgn } from '@casework/contracts';
import { createPlatform, type Platform } from '@casework/host';
import { Config } from '@casework/host/config';
import { allServices } from '@casework/platform/services';
import { eventually } from '@casework/testkit';
import pg from 'pg';
import t from 'tap';
import { distributedEnv, token } from './harness.js';

type Span = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
};

/**
 * Issue 20: one trace follows a command into the other services. Each service runs as its own platform
 * (as its own process would) on PostgreSQL and JetStream, exporting its spans over OTLP/HTTP to a local
 * collector. A case manager's registration, sent with a W3C traceparent of its own, is a server span of
 * that trace in intake with PostgreSQL spans under it; the event carries the trace in its envelope, and
 * the client directory consumer of eligibility, placement and billing each handles it in a consumer span
 * of the same trace, child of the request's span, with its own PostgreSQL spans under it.
 */
t.test("a command's spans reach the consumers of the other services", async (t) => {
  const spans: Span[] = [];
  const collector = createServer((request, response) => {
    let body = '';
    request.on('data', (d: Buffer) => {
      body += d.toString();
    });
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const exported = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: Span[] }[] }[];
        };
        for (const r of exported.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((ready) => collector.listen(0, '127.0.0.1', ready));
  t.teardown(() => collector.close());
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

  const env = { ...(await distributedEnv(t)), LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '5' };
  const platforms: Platform[] = [];
  for (const service of allServices)
    platforms.push(
      await createPlatform(Config.parse({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), [service]),
    );
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    for (const p of platforms) await p.close();
  };
  t.teardown(closeAll);
  const intake = platforms.find((p) => p.app.hosted[0]!.module.name === 'intake')!;

  const traceId = randomBytes(16).toString('hex');
  const registered = await intake.app.inject({
    method: 'POST',
    url: '/v1/clients',
    headers: {
      authorization: `Bearer ${await token(['case_manager'], { municipality: 'BLG01' })}`,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
    payload: {
      identifier: { kind: 'egn', value: composeEgn('1979-03-14', 512) },
      givenName: 'Мария',
      familyName: 'Примерова',
      municipality: 'BLG01',
    },
  });
  t.equal(registered.statusCode, 201, registered.body);

  // the three consumers have taken the event (their inboxes have it), then every span is flushed out
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  t.teardown(() => db.end());
  const {
    rows: [event],
  } = await db.query<{ event_id: string; metadata: { traceparent?: string } }>(
    `SELECT event_id, metadata FROM intake.events WHERE type = 'ClientRegistered'`,
  );
  t.match(
    event?.metadata.traceparent,
    new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
    'the envelope carries it',
  );
  // (a service may have more than one consumer of it: each service's inbox has it at least once)
  const consumed = await eventually(async () => {
    const { rows } = await db.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM eligibility.inbox WHERE event_id = $1) AS eligibility,
        (SELECT count(*) FROM placement.inbox WHERE event_id = $1) AS placement,
        (SELECT count(*) FROM billing.inbox WHERE event_id = $1) AS billing`,
      [event!.event_id],
    );
    return Object.values(rows[0]!).every((n) => Number(n) >= 1) ? true : undefined;
  }, 30_000);
  t.ok(consumed, 'eligibility, placement and billing consumed it');
  await closeAll();

  t.same(
    spans.filter((s) => s.name.startsWith('pg ') && !s.parentSpanId).map((s) => s.name),
    [],
    'no statement outside a request or an event starts a trace of its own (polls, sweeps, drains)',
  );
  const attribute = (s: Span, key: string) => s.attributes.find((a) => a.key === key)?.value.stringValue;
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const server = inTrace.find((s) => s.name === 'POST /v1/clients');
  t.ok(server, 'the request is a server span of the caller’s trace');
  t.equal(attribute(server!, 'casework.service'), 'intake');
  const under = (parent: Span) => inTrace.filter((s) => s.parentSpanId === parent.spanId);
  t.ok(
    under(server!).some((s) => attribute(s, 'db.system.name') === 'postgresql'),
    "the request's PostgreSQL statements are spans under it",
  );
  const published = inTrace.find((s) => s.name === 'intake publish ClientRegistered');
  t.equal(published?.parentSpanId, server?.spanId, "intake's relay publishes it to NATS in the same trace");
  for (const service of ['eligibility', 'placement', 'billing']) {
    const consumer = inTrace.find(
      (s) => s.name.endsWith('process ClientRegistered') && attribute(s, 'casework.service') === service,
    );
    t.ok(consumer, `${service}'s consumer span is in the same trace`);
    t.equal(consumer?.parentSpanId, server?.spanId, `${service}'s consumer span is the request's child`);
    t.ok(
      consumer && under(consumer).some((s) => attribute(s, 'db.system.name') === 'postgresql'),
      `${service}'s handling has its PostgreSQL spans under it`,
    );
  }
});
