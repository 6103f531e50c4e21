import { composeEgn } from '@casework/contracts';
import { intake } from '@casework/intake';
import type { JetStreamTransport } from '@casework/messaging';
import { placement } from '@casework/placement';
import { municipalitiesOf } from '@casework/reference-data';
import { eventually, natsUrl, requestsAs, streamMessageIds, testApp } from '@casework/testkit';
import t from 'tap';

type FeedEvent = { id: string; type: string; municipality?: string; data: Record<string, unknown> };
type Page = { items: FeedEvent[]; caughtUp: boolean; next: string };

/**
 * Issue 20: the event feed. Clients registered and admitted in Bansko (oblast Blagoevgrad) and Montana
 * (oblast Montana): a national integrator pages every published event in the order and with the ids of
 * the NATS stream; Blagoevgrad's integrator sees exactly Blagoevgrad's; no payload carries personal data.
 */
t.test('the event feed: NATS order and ids, the caller’s scope, references only', async (t) => {
  const h = await testApp(t, [intake, placement]);
  const places = [
    { municipality: 'BLG01', birthDate: '1951-02-03' },
    { municipality: 'MON29', birthDate: '1962-07-08' },
  ];
  for (const [i, { municipality, birthDate }] of places.entries()) {
    const cm = await h.as(['case_manager'], { municipality });
    const supervisor = await h.as(['supervisor'], { municipality });
    const as = (caller: { authorization: string }) => requestsAs(h.app, caller);
    const site = await as(supervisor).post('/v1/sites', {
      name: 'Synthetic protected housing',
      serviceType: 'protected_housing',
      municipality,
      address: 'Synthetic street 1',
      provider: 'Synthetic provider',
      funding: 'state_delegated',
      openedOn: '2026-01-05',
      places: 4,
    });
    t.equal(site.statusCode, 201, site.body);
    const changed = await as(supervisor).post(`/v1/sites/${site.json().siteId}/capacity`, {
      from: '2027-01-01',
      places: 6,
    });
    t.equal(changed.statusCode, 200, changed.body);
    for (const n of [1, 2]) {
      const client = await as(cm).post('/v1/clients', {
        identifier: { kind: 'egn', value: composeEgn(birthDate, 100 * i + n) },
        givenName: 'Мария',
        familyName: 'Примерова',
        municipality,
      });
      t.equal(client.statusCode, 201, client.body);
    }
  }

  const national = await h.as(['integrator'], {});
  const blagoevgrad = await h.as(['integrator'], { oblast: 'BG-01' });
  const feed = async (caller: { authorization: string }, service: string, query = '') => {
    const r = await h.app.inject({ url: `/v1/events/${service}?${query}`, headers: caller });
    t.equal(r.statusCode, 200, `${service}: a page`);
    return r.json() as Page;
  };
  /** Every event of a service's feed from the first, two at a time. */
  const all = async (caller: { authorization: string }, service: string, query = '') => {
    const seen: FeedEvent[] = [];
    let after = '';
    for (let pages = 0; pages < 100; pages++) {
      const page = await feed(caller, service, `limit=2${query}${after}`);
      seen.push(...page.items);
      if (page.caughtUp) return seen;
      t.ok(page.items.length > 0, 'a page that is not the last has events');
      after = `&after=${encodeURIComponent(page.next)}`;
    }
    throw new Error('the feed did not end');
  };

  const transport = h.transport as JetStreamTransport;
  for (const service of ['intake', 'placement']) {
    const nats = await eventually(async () => {
      const ids = await streamMessageIds(await natsUrl(), transport.streamOf(service));
      return ids.length >= 4 ? ids : undefined;
    });
    const everything = await all(national, service);
    t.same(
      everything.map((e) => e.id),
      nats,
      `${service}: the national feed has the NATS stream's events, in its order`,
    );
    const replayed = await all(national, service);
    t.same(replayed, everything, `${service}: replayed from the start, the same`);

    const local = await all(blagoevgrad, service);
    const inOblast = new Set(municipalitiesOf('BG-01').map((m) => m.code));
    t.same(
      local.map((e) => e.id),
      everything.filter((e) => e.municipality !== undefined && inOblast.has(e.municipality)).map((e) => e.id),
      `${service}: Blagoevgrad's integrator sees Blagoevgrad's events and no other`,
    );
    t.ok(local.length > 0 && local.length < everything.length);
    t.notOk(
      local.some((e) => e.municipality === 'MON29'),
      'nothing of Montana',
    );
  }

  const registered = await all(national, 'intake', '&types=ClientRegistered');
  t.equal(registered.length, 4);
  t.ok(registered.every((e) => e.type === 'casework.intake.ClientRegistered.v1'));
  t.same(Object.keys(registered[0]!.data).sort(), ['clientId', 'municipality'], 'references only');
  const text = JSON.stringify(await all(national, 'intake'));
  for (const { birthDate } of places) t.notMatch(text, birthDate, 'no birth date in the feed');
  t.notMatch(text, /female|Примерова|egn/i, 'no sex, name or identifier kind');
  const capacity = await all(national, 'placement', '&types=CapacityChanged');
  t.equal(capacity.length, 2);
  t.same(Object.keys(capacity[0]!.data).sort(), ['municipality', 'serviceType', 'siteId']);

  // long polling: an empty page is held open until the next event, then answered with it
  const end = (await feed(national, 'intake', 'limit=1000')).next;
  const started = Date.now();
  const waiting = h.app.inject({
    url: `/v1/events/intake?wait=20&after=${encodeURIComponent(end)}`,
    headers: national,
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  const late = await requestsAs(h.app, cm).post('/v1/clients', {
    identifier: { kind: 'egn', value: composeEgn('1970-01-01', 7) },
    givenName: 'Късна',
    familyName: 'Примерова',
    municipality: 'BLG01',
  });
  const woken = (await waiting).json() as Page;
  t.same(
    woken.items.map((e) => e.data.clientId),
    [late.json().clientId],
    'the waiting page brought the new registration',
  );
  t.ok(Date.now() - started < 15_000, 'long before the wait ran out');
  const quiet = Date.now();
  const empty = (await feed(national, 'intake', `wait=1&after=${encodeURIComponent(woken.next)}`)) as Page;
  t.same(empty.items, [], 'nothing new: empty once the wait ran out');
  t.ok(Date.now() - quiet >= 900, 'after waiting');

  // who may read it, and what it refuses
  const ask = (url: string, headers = {}) => h.app.inject({ url, headers });
  t.equal((await ask('/v1/events/intake')).statusCode, 401, 'no token');
  t.equal((await ask('/v1/events/intake', cm)).statusCode, 403, 'a case manager is no integrator');
  const unknownType = await ask('/v1/events/intake?types=NeedsFindingsRecorded', national);
  t.equal(unknownType.statusCode, 400, 'an internal event is no type of the feed');
  t.match(unknownType.json(), { errors: [{ field: 'query.types' }] });
  const forged = await ask('/v1/events/intake?after=MTIz.NDU2', national);
  t.equal(forged.statusCode, 400, 'a cursor the API did not give out');
  t.match(forged.json(), { errors: [{ field: 'query.after' }] });
  t.equal(
    (await ask('/v1/events/billing', national)).statusCode,
    404,
    'a service this platform does not host',
  );
});
