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

t.test('a fixed term is renewed after a review; special status a limited number of times', async (t) => {
  const renew = (n: number, termEnd: string, renewalsAllowed: number | null) =>
    ({ type: 'Renew', placementId: id('0', n), reviewedOn: '2027-01-10', termEnd, renewalsAllowed }) as const;
  const renewed = (p: ReturnType<typeof place>, previousTermEnd: string, termEnd: string, renewal: number) =>
    ({
      type: 'TermRenewed',
      data: { clientId, ...(p as object), reviewedOn: '2027-01-10', previousTermEnd, termEnd, renewal },
    }) as PlacementEvent;
  const inHousing = admitted(housing(1), '2026-02-01', { termEnd: '2027-02-01' });
  spec(t)
    .given([inHousing])
    .when(renew(1, '2028-02-01', null))
    .then([renewed(housing(1), '2027-02-01', '2028-02-01', 1)]);
  spec(t)
    .given([inHousing, renewed(housing(1), '2027-02-01', '2028-02-01', 1)])
    .when(renew(1, '2029-02-01', null))
    .then([renewed(housing(1), '2028-02-01', '2029-02-01', 2)], 'residential care: no limit');
  spec(t)
    .given([inHousing, renewed(housing(1), '2027-02-01', '2028-02-01', 1)])
    .when(renew(1, '2028-02-01', null))
    .then([], 'the same renewal again changes nothing');
  spec(t)
    .given([inHousing])
    .when(renew(1, '2027-01-15', null))
    .thenFails('TERM_NOT_EXTENDED');
  const inFlat = admitted(special(2), '2026-02-01', { termEnd: '2028-02-01' });
  spec(t)
    .given([inFlat, renewed(special(2), '2028-02-01', '2030-02-01', 1)])
    .when(renew(2, '2032-02-01', 1))
    .thenFails('RENEWALS_EXHAUSTED', 'special status: renewed once');
  spec(t)
    .given([admitted(dayCentre(3), '2026-02-01')])
    .when(renew(3, '2027-02-01', null))
    .thenFails('NO_FIXED_TERM');
  spec(t)
    .given([inHousing, discharged(housing(1), '2026-12-01')])
    .when(renew(1, '2028-02-01', null))
    .thenFails('PLACEMENT_ENDED');
});

t.test('respite care: at most so many days a calendar year', async (t) => {
  const respite = { daysPerYear: 30 };
  const stay = (n: number, on: string, termEnd: string) =>
    admitted(housing(n), on, { termEnd, respite: true });
  spec(t)
    .given([])
    .when(admit(housing(1), '2027-03-01', { termEnd: '2027-03-21', respite }))
    .then([stay(1, '2027-03-01', '2027-03-21')], '20 days');
  spec(t)
    .given([stay(1, '2027-03-01', '2027-03-21'), discharged(housing(1), '2027-03-21')])
    .when(admit(housing(2), '2027-07-01', { termEnd: '2027-07-12', respite }))
    .thenFails('RESPITE_LIMIT', '20 used and 11 asked is over 30');
  spec(t)
    .given([stay(1, '2027-03-01', '2027-03-21'), discharged(housing(1), '2027-03-11')])
    .when(admit(housing(2), '2027-07-01', { termEnd: '2027-07-21', respite }))
    .then([stay(2, '2027-07-01', '2027-07-21')], 'an early end gives the days back: 10 used, 20 asked');
  spec(t)
    .given([stay(1, '2027-12-10', '2027-12-31'), discharged(housing(1), '2027-12-31')])
    .when(admit(housing(2), '2028-01-01', { termEnd: '2028-01-31', respite }))
    .then([stay(2, '2028-01-01', '2028-01-31')], 'each calendar year has its own days');
  spec(t)
    .given([])
    .when(admit(housing(1), '2027-12-20', { termEnd: '2028-01-25', respite }))
    .then([stay(1, '2027-12-20', '2028-01-25')], '12 days in one year and 24 in the next');
  spec(t)
    .given([])
    .when(admit(housing(1), '2027-03-01', { respite }))
    .thenFails('RESPITE_NEEDS_END');
  spec(t)
    .given([])
    .when(admit(dayCentre(1), '2027-03-01', { termEnd: '2027-03-05', respite }))
    .thenFails('RESPITE_NOT_OFFERED');
  spec(t)
    .given([stay(1, '2027-03-01', '2027-03-21')])
    .when({
      type: 'Renew',
      placementId: id('0', 1),
      reviewedOn: '2027-03-10',
      termEnd: '2027-03-25',
      renewalsAllowed: null,
    })
    .thenFails('RESPITE_NOT_RENEWED');
});
