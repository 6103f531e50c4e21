import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { type PlacementEvent, placementDecider } from '../src/domain/clientPlacements.js';

const spec = deciderSpec(placementDecider);
const clientId = '10000000-0000-4000-8000-000000000001';
const id = (prefix: string, n: number) => `${prefix}000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const place = (n: number, serviceType: string, kind: string) =>
  ({ placementId: id('0', n), siteId: id('5', n), serviceType, kind, municipality: 'BLG01' }) as never;
const housing = (n: number) => place(n, 'protected_housing', 'residential');
const special = (n: number) => place(n, 'social_housing_special_status', 'residential');
const dayCentre = (n: number) => place(n, 'day_centre_adults_disabilities', 'day');

const admitted = (p: ReturnType<typeof place>, on: string, extra = {}): PlacementEvent => ({
  type: 'Admitted',
  data: { clientId, ...(p as object), on, basis: 'offer', ...extra } as never,
});
const admit = (p: ReturnType<typeof place>, on: string, extra = {}) =>
  ({ type: 'Admit', clientId, place: p, on, basis: 'offer', ...extra }) as const;
const discharged = (p: ReturnType<typeof place>, on: string): PlacementEvent => ({
  type: 'Discharged',
  data: {
    clientId,
    ...(p as object),
    on,
    reason: 'own_request',
    destination: { kind: 'family_home' },
  } as never,
});

t.test('one residential stay at a time; day services alongside', async (t) => {
  spec(t)
    .given([])
    .when(admit(housing(1), '2026-02-01'))
    .then([admitted(housing(1), '2026-02-01')]);
  spec(t)
    .given([admitted(housing(1), '2026-02-01')])
    .when(admit(special(2), '2026-06-01'))
    .thenFails('RESIDENTIAL_OVERLAP');
  spec(t)
    .given([admitted(housing(1), '2026-06-01')])
    .when(admit(special(2), '2026-02-01'))
    .thenFails('RESIDENTIAL_OVERLAP', 'a stay that begins later clashes with an open-ended one');
  spec(t)
    .given([admitted(housing(1), '2026-02-01'), discharged(housing(1), '2026-06-01')])
    .when(admit(special(2), '2026-06-01'))
    .then([admitted(special(2), '2026-06-01')], 'the day one ends the next may begin');
  spec(t)
    .given([admitted(housing(1), '2026-02-01')])
    .when(admit(dayCentre(2), '2026-03-01', { weekdays: [1, 3, 5] }))
    .then([admitted(dayCentre(2), '2026-03-01', { weekdays: [1, 3, 5] })], 'a day centre alongside');
  spec(t)
    .given([admitted(dayCentre(2), '2026-03-01')])
    .when(admit(dayCentre(3), '2026-04-01'))
    .thenFails('SAME_SERVICE_OVERLAP');
  spec(t)
    .given([])
    .when(admit(housing(1), '2026-02-01', { weekdays: [1] }))
    .thenFails('WEEKDAYS_FOR_DAY_SERVICES');
  spec(t)
    .given([])
    .when(admit(housing(1), '2026-02-01', { termEnd: '2026-02-01' }))
    .thenFails('TERM_END_BEFORE_START');
});

t.test('an emergency admission records its justification apart', async (t) => {
  spec(t)
    .given([])
    .when(
      admit(housing(1), '2026-02-01', {
        basis: 'emergency',
        emergency: { justification: 'no safe place tonight', supervisor: 'sup-1' },
      }),
    )
    .then([
      admitted(housing(1), '2026-02-01', { basis: 'emergency' }),
      {
        type: 'EmergencyAdmissionJustified',
        data: {
          clientId,
          placementId: id('0', 1),
          justification: 'no safe place tonight',
          supervisor: 'sup-1',
        },
      },
    ]);
});

t.test('a transfer ends one stay and begins the next on the same day', async (t) => {
  const given = [admitted(housing(1), '2026-02-01'), admitted(dayCentre(3), '2026-02-01')];
  const transfer = {
    type: 'Transfer',
    clientId,
    from: id('0', 1),
    to: special(2),
    on: '2027-02-01',
  } as const;
  spec(t)
    .given(given)
    .when(transfer)
    .then([
      {
        type: 'Transferred',
        data: {
          clientId,
          on: '2027-02-01',
          from: housing(1) as never,
          to: special(2) as never,
        },
      },
    ]);
  spec(t)
    .given(given)
    .when({ ...transfer, on: '2026-02-01' })
    .thenFails('TRANSFER_ON_FIRST_DAY');
  spec(t)
    .given(given)
    .when({ ...transfer, to: { ...(special(2) as object), siteId: id('5', 1) } as never })
    .thenFails('SAME_SITE');
  spec(t)
    .given([...given, discharged(housing(1), '2026-06-01')])
    .when(transfer)
    .thenFails('PLACEMENT_ENDED');
  spec(t)
    .given(given)
    .when({ ...transfer, from: id('0', 9) })
    .thenFails('PLACEMENT_NOT_FOUND');
  t.test('after it, the first stay ended that day and the second runs', async (t) => {
    const state = [
      ...given,
      {
        type: 'Transferred',
        data: { clientId, on: '2027-02-01', from: housing(1), to: special(2) },
      } as never,
    ].reduce(placementDecider.evolve, placementDecider.initialState);
    t.match(state.stays.get(id('0', 1)), { to: '2027-02-01', endReason: 'moved_to_other_service' });
    t.match(state.stays.get(id('0', 2)), { from: '2027-02-01', to: null, basis: 'transfer' });
  });
});

t.test('discharge', async (t) => {
  const discharge = {
    type: 'Discharge',
    placementId: id('0', 1),
    on: '2026-06-01',
    reason: 'own_request',
    destination: { kind: 'family_home' },
  } as const;
  spec(t)
    .given([admitted(housing(1), '2026-02-01')])
    .when(discharge)
    .then([discharged(housing(1), '2026-06-01')]);
  spec(t)
    .given([admitted(housing(1), '2026-02-01')])
    .when({ ...discharge, on: '2026-01-31' })
    .thenFails('BEFORE_ADMISSION');
  spec(t)
    .given([admitted(housing(1), '2026-02-01'), discharged(housing(1), '2026-06-01')])
    .when(discharge)
    .then([], 'a repeat is a no-op');
  spec(t)
    .given([admitted(housing(1), '2026-02-01'), discharged(housing(1), '2026-06-01')])
    .when({ ...discharge, on: '2026-07-01' })
    .thenFails('PLACEMENT_ENDED');
});

t.test('absences keep the place; one at a time', async (t) => {
  const absenceId = '0b000000-0000-4000-8000-000000000001';
  const started: PlacementEvent = {
    type: 'AbsenceStarted',
    data: { clientId, ...(housing(1) as object), absenceId, from: '2026-07-01', kind: 'holiday' } as never,
  };
  const start = {
    type: 'StartAbsence',
    placementId: id('0', 1),
    absenceId,
    from: '2026-07-01',
    kind: 'holiday',
  } as const;
  spec(t)
    .given([admitted(housing(1), '2026-02-01')])
    .when(start)
    .then([started]);
  spec(t)
    .given([admitted(housing(1), '2026-02-01'), started])
    .when({ ...start, absenceId: '0b000000-0000-4000-8000-000000000002', from: '2026-07-10' })
    .thenFails('ABSENCE_OVERLAP');
  spec(t)
    .given([admitted(housing(1), '2026-02-01')])
    .when({ ...start, from: '2026-01-01' })
    .thenFails('BEFORE_ADMISSION');
  spec(t)
    .given([admitted(housing(1), '2026-02-01'), started])
    .when({ type: 'EndAbsence', placementId: id('0', 1), absenceId, returnedOn: '2026-07-15' })
    .then([
      {
        type: 'AbsenceEnded',
        data: {
          clientId,
          ...(housing(1) as object),
          absenceId,
          from: '2026-07-01',
          returnedOn: '2026-07-15',
          kind: 'holiday',
          days: 14,
        } as never,
      },
    ]);
  spec(t)
    .given([admitted(housing(1), '2026-02-01'), started])
    .when({ type: 'EndAbsence', placementId: id('0', 1), absenceId, returnedOn: '2026-07-01' })
    .thenFails('RETURN_BEFORE_LEAVING');
});
