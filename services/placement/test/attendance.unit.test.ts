import { deciderSpec } from '@casework/testkit';
import t from 'tap';
import { countedDays } from '../src/application/absences.js';
import { attendanceDecider, isoWeekday } from '../src/domain/attendance.js';
import type { Stay } from '../src/domain/clientPlacements.js';

const spec = deciderSpec(attendanceDecider);
const placementId = '0a000000-0000-4000-8000-000000000001';
const clientId = '10000000-0000-4000-8000-000000000001';
const stay: Stay = {
  placementId,
  siteId: '5a000000-0000-4000-8000-000000000001',
  serviceType: 'day_centre_adults_disabilities',
  kind: 'day',
  municipality: 'BLG01',
  from: '2026-11-02',
  to: null,
  weekdays: [1, 3, 5],
  basis: 'offer',
  absences: [],
};
const record = (date: string, attended: boolean) =>
  ({ type: 'Record', clientId, placementId, stay, date, attended }) as const;
const recorded = (date: string, attended: boolean, expected: boolean) => ({
  type: 'AttendanceRecorded' as const,
  data: {
    clientId,
    placementId,
    siteId: stay.siteId,
    serviceType: stay.serviceType,
    kind: 'day' as const,
    municipality: 'BLG01',
    date,
    attended,
    expected,
  },
});

t.test('attendance within the enrolment, against the weekly pattern', async (t) => {
  t.equal(isoWeekday('2026-11-23'), 1, 'a Monday');
  t.equal(isoWeekday('2026-11-29'), 7, 'a Sunday');
  spec(t)
    .given([])
    .when(record('2026-11-23', true))
    .then([recorded('2026-11-23', true, true)]);
  spec(t)
    .given([])
    .when(record('2026-11-24', true))
    .then([recorded('2026-11-24', true, false)], 'a Tuesday extra');
  spec(t)
    .given([recorded('2026-11-23', true, true)])
    .when(record('2026-11-23', true))
    .then([], 'the same again');
  spec(t)
    .given([recorded('2026-11-23', true, true)])
    .when(record('2026-11-23', false))
    .then([recorded('2026-11-23', false, true)], 'a correction');
  spec(t).given([]).when(record('2026-11-01', true)).thenFails('OUTSIDE_ENROLMENT');
  spec(t)
    .given([])
    .when({ ...record('2026-11-23', true), stay: { ...stay, kind: 'residential' } })
    .thenFails('NOT_A_DAY_SERVICE');
});

t.test('absence days in a calendar year, hospital stays not counted', async (t) => {
  const absences = [
    { absenceId: 'a', from: '2025-12-20', returnedOn: '2026-01-10', kind: 'holiday' as const },
    { absenceId: 'b', from: '2026-03-01', returnedOn: '2026-04-15', kind: 'hospital' as const },
    { absenceId: 'c', from: '2026-07-01', returnedOn: '2026-08-20', kind: 'family' as const },
    { absenceId: 'd', from: '2026-12-25', kind: 'holiday' as const },
  ];
  t.equal(
    countedDays(absences, 2026, '2026-12-31'),
    9 + 50 + 6,
    'this year’s part of each, the open one to today',
  );
  t.equal(countedDays(absences, 2025, '2026-12-31'), 12);
});
