import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import {
  capacityOn,
  evolveAll,
  occupancyOn,
  type SiteEvent,
  siteDecider,
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
  'several events folded at once come out as folded one by one, and leave the state given',
  async (t) => {
    const offer = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const reserved = (n: number): SiteEvent => ({
      type: 'PlaceReserved',
      data: { siteId, offerId: offer(n), clientId: cid(n), from: '2026-03-01' },
    });
    const start = [opened(6), taken(1, '2026-01-10'), reserved(2)].reduce(
      siteDecider.evolve,
      siteDecider.initialState,
    );
    const before = structuredClone(start);
    const tail: SiteEvent[] = [
      {
        type: 'PlaceTaken',
        data: { siteId, placementId: pid(2), clientId: cid(2), from: '2026-03-02', offerId: offer(2) },
      },
      reserved(3),
      { type: 'ReservationReleased', data: { siteId, offerId: offer(3) } },
      { type: 'CapacityChanged', data: { ...ref, from: '2026-04-01', places: 8, previous: 6 } },
      released(1, '2026-04-15'),
      taken(4, '2026-05-01'),
      released(9, '2026-05-02'),
    ];
    t.same(evolveAll(start, tail), tail.reduce(siteDecider.evolve, start));
    t.same(
      siteToJson(evolveAll(start, tail)),
      siteToJson(tail.reduce(siteDecider.evolve, start)),
      'in map order too',
    );
    t.same(start, before, 'the state given is unchanged');
    const whole: SiteEvent[] = [
      opened(6),
      taken(1, '2026-01-10'),
      { type: 'SiteSuspended', data: { ...ref, from: '2026-02-01', reason: 'works' } },
      { type: 'SiteResumed', data: { ...ref, from: '2026-02-10' } },
      reserved(2),
      ...tail,
      { type: 'SiteClosed', data: { ...ref, on: '2026-12-31' } },
    ];
    t.same(
      evolveAll(siteDecider.initialState, whole),
      whole.reduce(siteDecider.evolve, siteDecider.initialState),
      'from the start, every kind of event',
    );
    t.same(evolveAll(start, tail.slice(0, 1)), siteDecider.evolve(start, tail[0]!));
    t.equal(evolveAll(start, []), start);
  },
);
