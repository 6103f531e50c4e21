import { composeEgn } from '@casework/contracts';
import { intake } from '@casework/intake';
import type { JetStreamTransport } from '@casework/messaging';
import { placement } from '@casework/placement';
import { municipalitiesOf } from '@casework/reference-data';
import { eventually, natsUrl, requestsAs, streamMessages, testApp } from '@casework/testkit';
import t from 'tap';

type FeedEvent = { id: string; type: string; municipality?: string; data: Record<string, unknown> };
type Page = { items: FeedEvent[]; caughtUp: boolean; next: string };
type Caller = { authorization: string };

/**
 * Issue 20: the event feed. Sites opened and resized in Bansko (oblast Blagoevgrad) and Montana (oblast
 * Montana), clients registered in both: a national integrator pages placement's events for integrators
 * in the order and with the ids of its NATS stream; Blagoevgrad's integrator sees exactly Blagoevgrad's;
 * no payload carries personal data, and intake's events (records integrators may not read) are not there.
 */
t.test('the event feed: NATS order and ids, the caller’s scope, references only', async (t) => {
  const h = await testApp(t, [intake, placement]);
  // Bansko and Blagoevgrad (both in oblast Blagoevgrad, BG-01) and Montana (oblast Montana)
  const places = [
    { municipality: 'BLG01', birthDate: '1951-02-03' },
    { municipality: 'BLG03', birthDate: '1957-05-06' },
    { municipality: 'MON29', birthDate: '1962-07-08' },
  ];
  for (const [i, { municipality, birthDate }] of places.entries()) {
    const cm = await h.as(['case_manager'], { municipality });
    const supervisor = await h.as(['supervisor'], { municipality });
    const as = (caller: Caller) => requestsAs(h.app, caller);
    for (const name of ['Synthetic protected housing', 'Synthetic day centre']) {
      const site = await as(supervisor).post('/v1/sites', {
        name,
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
    }
    const client = await as(cm).post('/v1/clients', {
      identifier: { kind: 'egn', value: composeEgn(birthDate, 100 * i + 1) },
      givenName: 'Мария',
      familyName: 'Примерова',
      municipality,
    });
    t.equal(client.statusCode, 201, client.body);
  }

  const national = await h.as(['integrator'], {});
  const blagoevgrad = await h.as(['integrator'], { oblast: 'BG-01' });
  const bansko = await h.as(['integrator'], { municipality: 'BLG01' });
  const feed = async (caller: Caller, service: string, query = '') => {
    const r = await h.app.inject({ url: `/v1/events/${service}?${query}`, headers: caller });
    t.equal(r.statusCode, 200, `${service}: a page`);
    return r.json() as Page;
  };
  /** Every event of a service's feed from the first, two at a time. */
  const all = async (caller: Caller, service: string, query = '') => {
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
  const nats = await eventually(async () => {
    const messages = await streamMessages(await natsUrl(), transport.streamOf('placement'));
    return messages.length >= 12 ? messages : undefined;
  });
  const everything = await all(national, 'placement');
  t.equal(everything.length, 12, 'six sites opened and resized');
  t.same(
    everything.map((e) => e.id),
    nats?.map((m) => m.id),
    "the national feed has the NATS stream's events, in its order",
  );
  t.same(await all(national, 'placement'), everything, 'replayed from the start, the same');

  const inOblast = new Set(municipalitiesOf('BG-01').map((m) => m.code));
  const ofOblast = everything.filter((e) => inOblast.has(String(e.data.municipality))).map((e) => e.id);
  const ofBansko = everything.filter((e) => e.data.municipality === 'BLG01').map((e) => e.id);
  t.equal(ofOblast.length, 8, "Bansko's four and Blagoevgrad's four");
  t.same(
    (await all(blagoevgrad, 'placement')).map((e) => e.id),
    ofOblast,
    "the oblast's integrator sees its oblast's events and no other",
  );
  t.same(
    (await all(bansko, 'placement')).map((e) => e.id),
    ofBansko,
    "Bansko's integrator sees Bansko's only, not its neighbours'",
  );
  t.equal(ofBansko.length, 4);

  const capacity = await all(national, 'placement', '&types=CapacityChanged');
  t.equal(capacity.length, 6);
  t.ok(capacity.every((e) => e.type === 'casework.placement.CapacityChanged.v1'));
  t.same(Object.keys(capacity[0]!.data).sort(), ['municipality', 'serviceType', 'siteId'], 'references only');
  t.notMatch(
    JSON.stringify(everything),
    /Synthetic (street|provider|protected)/,
    'no address, provider or name',
  );
  t.same(await all(national, 'intake'), [], "intake's events name records integrators may not read");

  // long polling: an empty page is held open until the next event, then answered with it
  const end = (await feed(national, 'placement', 'limit=1000')).next;
  const started = Date.now();
  const waiting = h.app.inject({
    url: `/v1/events/placement?wait=20&after=${encodeURIComponent(end)}`,
    headers: national,
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const supervisor = await h.as(['supervisor'], { municipality: 'BLG01' });
  const siteId = everything[0]!.data.siteId;
  t.equal(
    (
      await requestsAs(h.app, supervisor).post(`/v1/sites/${siteId}/capacity`, {
        from: '2027-06-01',
        places: 7,
      })
    ).statusCode,
    200,
  );
  const woken = (await waiting).json() as Page;
  t.same(
    woken.items.map((e) => [e.type, e.data.siteId]),
    [['casework.placement.CapacityChanged.v1', siteId]],
    'the waiting page brought the new event',
  );
  t.ok(Date.now() - started < 15_000, 'long before the wait ran out');
  const quiet = Date.now();
  const empty = await feed(national, 'placement', `wait=1&after=${encodeURIComponent(woken.next)}`);
  t.same(empty.items, [], 'nothing new: empty once the wait ran out');
  t.ok(Date.now() - quiet >= 900, 'after waiting');

  // who may read it, and what it refuses
  const cm = await h.as(['case_manager'], { municipality: 'BLG01' });
  const ask = (url: string, headers = {}) => h.app.inject({ url, headers });
  t.equal((await ask('/v1/events/placement')).statusCode, 401, 'no token');
  t.equal((await ask('/v1/events/placement', cm)).statusCode, 403, 'a case manager is no integrator');
  for (const type of ['OfferMade', 'ClientRegistered', 'Nothing']) {
    const refused = await ask(`/v1/events/placement?types=${type}`, national);
    t.equal(refused.statusCode, 400, `${type} is no type of placement's feed`);
    t.match(refused.json(), { errors: [{ field: 'query.types' }] });
  }
  const otherFeed = await ask(`/v1/events/placement?after=${encodeURIComponent(woken.next)}`, national);
  t.equal(otherFeed.statusCode, 200);
  const intakeEnd = (await feed(national, 'intake')).next;
  const crossed = await ask(`/v1/events/placement?after=${encodeURIComponent(intakeEnd)}`, national);
  t.equal(crossed.statusCode, 400, "another service's feed cursor is refused");
  const forged = await ask('/v1/events/placement?after=MTIz.NDU2', national);
  t.equal(forged.statusCode, 400, 'a cursor the API did not give out');
  t.match(forged.json(), { errors: [{ field: 'query.after' }] });
  const sites = await requestsAs(h.app, cm).get('/v1/sites?limit=1');
  const otherList = await ask(
    `/v1/events/placement?after=${encodeURIComponent(sites.json().next)}`,
    national,
  );
  t.equal(otherList.statusCode, 400, "another list's cursor is refused, not cast");
  t.equal(
    (await ask('/v1/events/billing', national)).statusCode,
    404,
    'a service this platform does not host',
  );
});
