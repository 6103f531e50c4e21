import { expireOffers } from '@casework/placement';
import { eventually } from '@casework/testkit';
import t from 'tap';
import { setUp } from './harness.js';

type Item = { entryId: string; position: number; reasons: string[]; offer?: { offerId: string } };

t.test('waiting list, offers and admission on an accepted offer', async (t) => {
  let now = Date.parse('2026-11-23T09:00:00Z'); // a Monday
  const h = await setUp(t, { clock: () => new Date(now) });
  const siteId = await h.openSite('protected_housing', 2);
  const [a, b, c] = await h.registerMany([61, 62, 63]);
  const [ea, eb, ec] = [
    await h.makeEligible(a!, 'protected_housing'),
    await h.makeEligible(b!, 'protected_housing'),
    await h.makeEligible(c!, 'protected_housing'),
  ];
  const list = async (ready: (items: Item[]) => boolean) =>
    eventually(async () => {
      const items = (await h.get('/v1/waiting-lists?serviceType=protected_housing')).json().items as Item[];
      return ready(items) ? items : undefined;
    });

  // first come, first served: same referral date, so the application order decides; a crisis goes first
  const crisis = await h.post(`/v1/waiting-lists/entries/${ec}/priority`, {
    priorityClass: 'crisis',
    crisis: 'homelessness',
  });
  t.equal(crisis.statusCode, 200);
  const ordered = await list((items) => items[0]?.entryId === ec);
  t.same(
    ordered?.map((i) => i.entryId),
    [ec, ea, eb],
  );
  t.match(ordered?.[0]?.reasons, [/crisis case \(homelessness\)/, /since 2026-09-14/]);

  // an offer goes to the next in line and holds the place
  const offer = await h.post(`/v1/sites/${siteId}/offers`, { from: '2026-12-01' });
  t.equal(offer.statusCode, 201);
  t.match(offer.json(), {
    entryId: ec,
    clientId: c,
    status: 'open',
    expiresAfter: '2026-11-30',
    madeOn: '2026-11-23',
  });
  t.match((await h.get(`/v1/sites/${siteId}?asOf=2026-12-01`)).json(), {
    occupied: 0,
    reserved: 1,
    vacancies: 1,
  });

  // out of turn: a supervisor, with a written reason
  const outOfTurn = {
    from: '2026-12-01',
    entryId: eb,
    justification: 'Her sister already lives at this site',
  };
  t.equal((await h.post(`/v1/sites/${siteId}/offers`, outOfTurn)).statusCode, 403, 'not a case manager');
  const unjustified = await h.post(
    `/v1/sites/${siteId}/offers`,
    { from: '2026-12-01', entryId: eb },
    h.supervisor,
  );
  t.match(unjustified.json(), { status: 422, type: /justification-required$/ });
  const toB = await h.post(`/v1/sites/${siteId}/offers`, outOfTurn, h.supervisor);
  t.equal(toB.statusCode, 201);
  const full = await h.post(`/v1/sites/${siteId}/offers`, { from: '2026-12-01' });
  t.match(full.json(), { status: 409, type: /no-vacancy$/, reserved: 2 }, 'both places are held for offers');

  // C accepts and is admitted on the offer; the entry leaves the list
  const accepted = await h.post(`/v1/offers/${offer.json().offerId}/accept`, {});
  t.match(accepted.json(), { status: 'accepted', admitBy: '2026-12-15' }, '14 days from the offered date');
  const wrong = await h.post('/v1/placements', {
    clientId: a,
    siteId,
    on: '2026-12-01',
    offerId: offer.json().offerId,
  });
  t.equal(wrong.statusCode, 422, 'an offer is taken up by its own person');
  const knownWithC = new Date().toISOString();
  const admitted = await h.post('/v1/placements', {
    clientId: c,
    siteId,
    on: '2026-12-01',
    offerId: offer.json().offerId,
  });
  t.equal(admitted.statusCode, 201);
  t.match(admitted.json(), { basis: 'offer', from: '2026-12-01' });
  t.match(await h.entry(ec!, (e) => e.status === 'removed'), { status: 'removed' });
  t.match((await h.get(`/v1/sites/${siteId}?asOf=2026-12-01`)).json(), {
    occupied: 1,
    reserved: 1,
    vacancies: 0,
  });

  // B declines without a valid reason: counted, the place is free again
  const declined = await h.post(`/v1/offers/${toB.json().offerId}/decline`, {
    reason: 'no_reason_given',
    validReason: false,
  });
  t.match(declined.json(), { status: 'declined', declinesWithoutValidReason: 1 });
  t.match((await h.get(`/v1/sites/${siteId}?asOf=2026-12-01`)).json(), { reserved: 0, vacancies: 1 });

  // A is next; nobody answers; after the fifth working day the offer lapses and counts as a decline
  await list((items) => items.length === 2 && !items.some((i) => i.offer));
  const toA = await h.post(`/v1/sites/${siteId}/offers`, { from: '2026-12-07' });
  t.match(toA.json(), { entryId: ea, expiresAfter: '2026-11-30' });
  now = Date.parse('2026-11-30T15:00:00Z');
  // the sweep reads the waiting list, which follows the log
  await list((items) => items.some((i) => i.offer?.offerId === toA.json().offerId));
  t.equal(await expireOffers(h.app.hosted[2]!.ctx), 0, 'still open on its last working day');
  now = Date.parse('2026-12-01T07:00:00Z');
  t.equal(await expireOffers(h.app.hosted[2]!.ctx), 1);
  t.match((await h.get(`/v1/offers/${toA.json().offerId}`)).json(), {
    status: 'expired',
    declinesWithoutValidReason: 1,
  });
  t.match((await h.get(`/v1/sites/${siteId}?asOf=2026-12-07`)).json(), { reserved: 0, vacancies: 1 });
  t.equal(await expireOffers(h.app.hosted[2]!.ctx), 0, 'lapses once');

  // A's second decline without a valid reason (the lapse was the first) moves A behind B
  const before = await list((items) => !items.some((i) => i.offer));
  t.same(
    before?.map((i) => i.entryId),
    [ea, eb],
  );
  const knownBeforeMove = new Date().toISOString();
  const again = await h.post(`/v1/sites/${siteId}/offers`, { from: '2026-12-07' });
  t.match(again.json(), { entryId: ea });
  const moved = await h.post(`/v1/offers/${again.json().offerId}/decline`, {
    reason: 'no_reason_given',
    validReason: false,
  });
  t.match(
    moved.json(),
    { status: 'declined', declinesWithoutValidReason: 0 },
    'counted, then reset by the move',
  );
  const end = await list((items) => items[0]?.entryId === eb);
  t.same(
    end?.map((i) => i.entryId),
    [eb, ea],
    'B first, A moved to the end of the class',
  );
  // what the list was before the move, as recorded then (a real time: recording times are the store's)
  const asKnown = async (knownAt: string) =>
    (await h.get(`/v1/waiting-lists?serviceType=protected_housing&asOf=2026-12-01&knownAt=${knownAt}`)).json()
      .items as Item[];
  t.same(
    (await asKnown(knownBeforeMove)).map((i) => i.entryId),
    [ea, eb],
    'as known before the move: A still ahead',
  );
  t.same(
    (await asKnown(knownWithC)).map((i) => i.entryId),
    [ec, ea, eb],
    'as known before C was admitted: C still on the list, first',
  );
  t.same(
    (await h.get('/v1/waiting-lists?serviceType=protected_housing&asOf=2026-09-13')).json().items,
    [],
    'nobody was listed before the referral date',
  );
  t.match(end?.[1]?.reasons, [/standard/, /moved to the end of its class on 2026-12-01/, /since/]);
});

t.test(
  'an emergency admission of someone holding an offer at that site takes up the held place',
  async (t) => {
    const h = await setUp(t);
    const siteId = await h.openSite('protected_housing', 1);
    const [client] = await h.registerMany([66]);
    const entry = await h.makeEligible(client!, 'protected_housing');
    const offer = await h.post(`/v1/sites/${siteId}/offers`, { from: '2026-11-24' });
    t.match(offer.json(), { entryId: entry, status: 'open' });
    const admitted = await h.admit(client!, siteId, '2026-11-24');
    t.equal(admitted.statusCode, 201, admitted.body);
    t.match(
      (await h.get(`/v1/offers/${offer.json().offerId}`)).json(),
      { status: 'taken_up' },
      'the person is in',
    );
    t.match((await h.get(`/v1/sites/${siteId}?asOf=2026-11-24`)).json(), {
      occupied: 1,
      reserved: 0,
      vacancies: 0,
    });
  },
);
