import { deciderSpec } from '@casework/testkit';
import fc from 'fast-check';
import t from 'tap';
import {
  capacityOn,
  firstShortfall,
  occupancyOn,
  reservedOn,
  type SiteEvent,
  siteDecider,
  siteFromJson,
  siteToJson,
} from '../src/domain/site.js';

const spec = deciderSpec(siteDecider);
const siteId = '0190a3c2-5f1e-7b3a-9c4d-2e8f6a1b3c5d';
const ref = { siteId, serviceType: 'protected_housing', municipality: 'BLG01' } as const;
const particulars = {
  name: 'Synthetic protected housing 1',
  address: 'Synthetic street 1',
  provider: 'Synthetic provider',
  funding: 'state_delegated',
} as const;
const opened = (places: number): SiteEvent => ({
  type: 'SiteOpened',
  data: { ...ref, ...particulars, openedOn: '2026-01-01', places },
});
const pid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const cid = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const taken = (n: number, from: string): SiteEvent => ({
  type: 'PlaceTaken',
  data: { siteId, placementId: pid(n), clientId: cid(n), from },
});
const released = (n: number, on: string): SiteEvent => ({
  type: 'PlaceReleased',
  data: { siteId, placementId: pid(n), on },
});
const take = (n: number, from: string) =>
  ({ type: 'TakePlace', placementId: pid(n), clientId: cid(n), from }) as const;

t.test('opening a site, within the small-unit limit', async (t) => {
  spec(t)
    .given([])
    .when({ type: 'Open', ...ref, ...particulars, openedOn: '2026-01-01', places: 8, maxPlaces: 15 })
    .then([opened(8)]);
  spec(t)
    .given([])
    .when({ type: 'Open', ...ref, ...particulars, openedOn: '2026-01-01', places: 16, maxPlaces: 15 })
    .thenFails('UNIT_TOO_LARGE');
  spec(t)
    .given([opened(8)])
    .when({ type: 'Open', ...ref, ...particulars, openedOn: '2026-01-01', places: 8 })
    .thenFails('SITE_EXISTS');
});

t.test('a place is taken only where every day from then on has one free', async (t) => {
  spec(t)
    .given([opened(1)])
    .when(take(1, '2026-02-01'))
    .then([taken(1, '2026-02-01')]);
  spec(t)
    .given([opened(1), taken(1, '2026-02-01')])
    .when(take(2, '2026-01-15'))
    .thenFails('NO_VACANCY', 'a later stay already holds the only place');
  spec(t)
    .given([opened(1), taken(1, '2026-02-01'), released(1, '2026-03-01')])
    .when(take(2, '2026-03-01'))
    .then([taken(2, '2026-03-01')], 'free from the day the last one left');
  spec(t)
    .given([opened(1), taken(1, '2026-02-01'), released(1, '2026-03-01')])
    .when(take(2, '2026-02-28'))
    .thenFails('NO_VACANCY');
  spec(t)
    .given([
      opened(2),
      { type: 'CapacityChanged', data: { ...ref, from: '2026-06-01', places: 1, previous: 2 } },
      taken(1, '2026-02-01'),
    ])
    .when(take(2, '2026-03-01'))
    .thenFails('NO_VACANCY', 'a planned reduction leaves no room later');
  spec(t)
    .given([opened(1)])
    .when(take(1, '2025-12-31'))
    .thenFails('BEFORE_OPENING');
  spec(t)
    .given([opened(1), { type: 'SiteSuspended', data: { ...ref, from: '2026-02-01', reason: 'works' } }])
    .when(take(1, '2026-02-10'))
    .thenFails('SITE_SUSPENDED');
  spec(t)
    .given([
      opened(1),
      { type: 'SiteSuspended', data: { ...ref, from: '2026-02-01', reason: 'works' } },
      { type: 'SiteResumed', data: { ...ref, from: '2026-03-01' } },
    ])
    .when(take(1, '2026-03-01'))
    .then([taken(1, '2026-03-01')]);
  spec(t)
    .given([opened(1), taken(1, '2026-02-01')])
    .when(take(1, '2026-02-01'))
    .then([], 'a repeat is a no-op');
});

t.test('capacity changes from a date, never below the occupancy it would cover', async (t) => {
  const busy = [opened(3), taken(1, '2026-02-01'), taken(2, '2026-02-01'), released(2, '2026-05-01')];
  spec(t)
    .given(busy)
    .when({ type: 'ChangeCapacity', from: '2026-03-01', places: 1 })
    .thenFails('CAPACITY_BELOW_OCCUPANCY', 'two are there in March');
  spec(t)
    .given(busy)
    .when({ type: 'ChangeCapacity', from: '2026-05-01', places: 1 })
    .then([{ type: 'CapacityChanged', data: { ...ref, from: '2026-05-01', places: 1, previous: 3 } }]);
  spec(t)
    .given(busy)
    .when({ type: 'ChangeCapacity', from: '2026-03-01', places: 16, maxPlaces: 15 })
    .thenFails('UNIT_TOO_LARGE');
  t.test('the numbers come with the refusal', async (t) => {
    const state = busy.reduce(siteDecider.evolve, siteDecider.initialState);
    try {
      siteDecider.decide({ type: 'ChangeCapacity', from: '2026-03-01', places: 1 }, state);
      t.fail('expected a refusal');
    } catch (e) {
      t.same((e as { extra: unknown }).extra, { date: '2026-03-01', occupied: 2, reserved: 0, places: 1 });
    }
  });
  t.test('capacity and occupancy on a date', async (t) => {
    const state = [
      ...busy,
      { type: 'CapacityChanged', data: { ...ref, from: '2026-05-01', places: 1, previous: 3 } } as SiteEvent,
    ].reduce(siteDecider.evolve, siteDecider.initialState);
    t.equal(capacityOn(state, '2025-12-31'), 0);
    t.equal(capacityOn(state, '2026-04-30'), 3);
    t.equal(capacityOn(state, '2026-05-01'), 1);
    t.equal(occupancyOn(state, '2026-04-30'), 2);
    t.equal(occupancyOn(state, '2026-05-01'), 1);
  });
});

t.test('release, suspend, resume and close', async (t) => {
  spec(t)
    .given([opened(1), taken(1, '2026-02-01')])
    .when({ type: 'ReleasePlace', placementId: pid(1), on: '2026-01-31' })
    .thenFails('BEFORE_ADMISSION');
  spec(t)
    .given([opened(1), taken(1, '2026-02-01'), released(1, '2026-03-01')])
    .when({ type: 'ReleasePlace', placementId: pid(1), on: '2026-03-02' })
    .thenFails('ALREADY_RELEASED');
  spec(t)
    .given([opened(1)])
    .when({ type: 'ReleasePlace', placementId: pid(1), on: '2026-03-02' })
    .thenFails('NOT_HELD');
  spec(t)
    .given([opened(1), { type: 'SiteSuspended', data: { ...ref, from: '2026-02-01', reason: 'works' } }])
    .when({ type: 'Suspend', from: '2026-03-01', reason: 'again' })
    .thenFails('ALREADY_SUSPENDED');
  spec(t)
    .given([opened(1)])
    .when({ type: 'Resume', from: '2026-03-01' })
    .thenFails('NOT_SUSPENDED');
  spec(t)
    .given([opened(1), taken(1, '2026-02-01')])
    .when({ type: 'Close', on: '2026-06-30' })
    .thenFails('SITE_OCCUPIED');
  spec(t)
    .given([opened(1), taken(1, '2026-02-01'), released(1, '2026-06-30')])
    .when({ type: 'Close', on: '2026-06-30' })
    .then([{ type: 'SiteClosed', data: { ...ref, on: '2026-06-30' } }]);
  spec(t)
    .given([opened(1), { type: 'SiteClosed', data: { ...ref, on: '2026-06-30' } }])
    .when(take(1, '2026-07-01'))
    .thenFails('SITE_CLOSED');
  spec(t).given([]).when(take(1, '2026-07-01')).thenFails('SITE_NOT_FOUND');
});

t.test(
  'folding leaves the state given as it was, and a snapshot comes back as the state it was taken of',
  async (t) => {
    const offer = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const reserved = (n: number): SiteEvent => ({
      type: 'PlaceReserved',
      data: { siteId, offerId: offer(n), clientId: cid(n), from: '2026-03-01' },
    });
    const start = [opened(6), taken(1, '2026-01-10'), reserved(2), reserved(3)].reduce(
      siteDecider.evolve,
      siteDecider.initialState,
    );
    const before = JSON.stringify(siteToJson(start));
    const tail: SiteEvent[] = [
      {
        type: 'PlaceTaken',
        data: { siteId, placementId: pid(2), clientId: cid(2), from: '2026-03-02', offerId: offer(2) },
      },
      { type: 'ReservationReleased', data: { siteId, offerId: offer(3) } },
      { type: 'CapacityChanged', data: { ...ref, from: '2026-04-01', places: 8, previous: 6 } },
      released(1, '2026-04-15'),
      taken(4, '2026-05-01'),
      released(9, '2026-05-02'),
      { type: 'SiteClosed', data: { ...ref, on: '2026-12-31' } },
    ];
    const after = tail.reduce(siteDecider.evolve, start);
    t.equal(JSON.stringify(siteToJson(start)), before, 'the state given is unchanged');
    t.same(siteToJson(after).holds, [
      [pid(1), { clientId: cid(1), from: '2026-01-10', to: '2026-04-15' }],
      [pid(2), { clientId: cid(2), from: '2026-03-02', to: null }],
      [pid(4), { clientId: cid(4), from: '2026-05-01', to: null }],
    ]);
    t.same(siteToJson(after).reservations, [], 'the offers answered hold nothing');
    const restored = siteFromJson(JSON.parse(JSON.stringify(siteToJson(after))));
    t.same(siteToJson(restored), siteToJson(after), 'the snapshot comes back as it was taken');
    for (const date of ['2026-03-02', '2026-04-15', '2026-05-01'])
      t.equal(occupancyOn(restored, date), occupancyOn(after, date), `the same places held on ${date}`);
  },
);

t.test(
  'the first shortfall is the first day, counted one by one, with more taken than there are places',
  async (t) => {
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
    const HORIZON = 60;
    const history = fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('take' as const),
          from: fc.nat(HORIZON),
          length: fc.option(fc.nat(HORIZON)),
        }),
        fc.record({ kind: fc.constant('reserve' as const), from: fc.nat(HORIZON) }),
        fc.record({ kind: fc.constant('capacity' as const), from: fc.nat(HORIZON), places: fc.nat(6) }),
      ),
      { maxLength: 25 },
    );
    // a capacity change's own check: a number of places until a date (or for good), capacity aside
    const override = fc.option(fc.record({ places: fc.nat(6), until: fc.option(fc.nat(2 * HORIZON + 2)) }));
    fc.assert(
      fc.property(history, fc.nat(HORIZON), fc.nat(2), override, (steps, from, extra, change) => {
        const events: SiteEvent[] = [opened(3)];
        steps.forEach((s, i) => {
          if (s.kind === 'take') {
            events.push(taken(i, day(s.from)));
            // a stay may end on its first day (length 0)
            if (s.length !== null) events.push(released(i, day(s.from + s.length)));
          } else if (s.kind === 'reserve')
            events.push({
              type: 'PlaceReserved',
              data: {
                siteId,
                offerId: `30000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
                clientId: cid(i),
                from: day(s.from),
              },
            });
          else
            events.push({
              type: 'CapacityChanged',
              data: { ...ref, from: day(s.from), places: s.places, previous: 0 },
            });
        });
        const site = events.reduce(siteDecider.evolve, siteDecider.initialState);
        const until = change?.until ?? 2 * HORIZON + 3;
        let expected: string | undefined;
        for (let d = from; d < until && expected === undefined; d++) {
          const date = day(d);
          const places = change ? change.places : capacityOn(site, date);
          if (occupancyOn(site, date) + reservedOn(site, date) + extra > places) expected = date;
        }
        const given = change
          ? { places: change.places, until: change.until === null ? null : day(change.until) }
          : undefined;
        return firstShortfall(site, day(from), extra, given)?.date === expected;
      }),
    );
    t.pass('as counted day by day in every history tried');
  },
);
