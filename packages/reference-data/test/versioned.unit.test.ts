import t from 'tap';
import { intakeParameters } from '../src/intakeParameters.js';
import { placementParameters } from '../src/placementParameters.js';
import { versionInForce } from '../src/versioned.js';

const versions = [
  { municipality: null, effectiveFrom: '2020-07-01', days: 20 },
  { municipality: null, effectiveFrom: '2027-01-01', days: 25 },
  { municipality: 'BLG01', effectiveFrom: '2026-06-01', days: 15 },
];

t.test('the latest version that has taken effect is in force', async (t) => {
  t.equal(versionInForce(versions, 'MON29', '2026-12-31')?.days, 20);
  t.equal(versionInForce(versions, 'MON29', '2027-01-01')?.days, 25, 'from its first day');
  t.equal(versionInForce(versions, 'MON29', '2020-06-30'), undefined, 'nothing before the first');
});

t.test("a municipality's own version wins over the national one once in force", async (t) => {
  t.equal(versionInForce(versions, 'BLG01', '2026-05-31')?.days, 20, 'national before its own starts');
  t.equal(versionInForce(versions, 'BLG01', '2026-06-01')?.days, 15);
  t.equal(versionInForce(versions, 'BLG01', '2027-02-01')?.days, 15, 'even after a later national change');
});

t.test('the shipped intake parameters give the DOMAIN.md defaults', async (t) => {
  const p = intakeParameters('BLG01', '2026-11-23');
  t.equal(p.assessmentDeadlineDays, 20);
  t.equal(p.reassessmentIntervalMonths, 12);
  t.throws(
    () => intakeParameters('BLG01', '2019-01-01'),
    { name: 'DomainError', kind: 'rule', code: 'NO_PARAMETER_IN_FORCE', message: /intake-parameters/ },
    'a date before the first version is a 422, not a server error',
  );
});

t.test('the shipped placement parameters give the DOMAIN.md defaults', async (t) => {
  const p = placementParameters('BLG01', '2026-11-23');
  t.equal(p.offerExpiryWorkingDays, 5);
  t.equal(p.declinesBeforeDemotion, 2);
  t.equal(p.admissionWithinDays, 14);
  t.equal(p.absenceDaysPerYear, 60);
  t.equal(p.specialStatusTenancyMonths, 24);
  t.equal(p.smallUnitMaxPlaces.protected_housing, 15);
  t.throws(
    () => placementParameters('BLG01', '2019-01-01'),
    /no version of placement-parameters.json in force/,
  );
});
