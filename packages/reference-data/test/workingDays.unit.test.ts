import t from 'tap';
import { addWorkingDays, isWorkingDay } from '../src/workingDays.js';

t.test('Bulgarian public holidays are not working days', async (t) => {
  for (const d of [
    '2026-01-01',
    '2026-03-03',
    '2026-04-10',
    '2026-04-13',
    '2026-05-06',
    '2026-12-24',
    '2026-12-25',
  ])
    t.notOk(isWorkingDay(d), `${d} is a holiday`);
  t.notOk(isWorkingDay('2026-11-21'), 'a Saturday');
  t.ok(isWorkingDay('2026-11-23'), 'an ordinary Monday');
  t.ok(isWorkingDay('2026-11-02'), 'the day after the Revival Leaders’ Day (a school holiday only)');
});

t.test('a holiday on a weekend moves to the next working day, Easter excepted', async (t) => {
  t.notOk(isWorkingDay('2026-05-25'), '24 May 2026 is a Sunday: Monday is off');
  t.notOk(isWorkingDay('2026-09-07'), '6 September 2026 is a Sunday: Monday is off');
  t.notOk(isWorkingDay('2026-12-28'), '26 December 2026 is a Saturday: Monday is off');
  t.ok(isWorkingDay('2026-04-14'), 'Easter Sunday moves nothing beyond Easter Monday');
});

t.test('counting working days', async (t) => {
  t.equal(addWorkingDays('2026-11-23', 5), '2026-11-30', 'a plain week');
  t.equal(addWorkingDays('2026-12-21', 5), '2026-12-31', 'over Christmas');
  t.equal(addWorkingDays('2026-04-09', 1), '2026-04-14', 'over Easter');
});
