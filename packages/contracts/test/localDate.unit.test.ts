import fc from 'fast-check';
import t from 'tap';
import { ApplicationRecord } from '../src/http/applications.js';
import { OfferRecord } from '../src/http/placement/waitingList.js';
import {
  addDays,
  addMonths,
  ageOn,
  CalendarDate,
  DatePeriod,
  earliest,
  Instant,
  isValidCalendarDate,
  LocalDate,
  latest,
  periodContains,
  periodDays,
  periodsOverlap,
  sofiaDate,
} from '../src/localDate.js';

t.test('calendar dates', async (t) => {
  t.ok(isValidCalendarDate('2024-02-29'));
  t.notOk(isValidCalendarDate('2026-02-29'));
  t.notOk(isValidCalendarDate('2026-1-01'));
  t.notOk(isValidCalendarDate('2026-00-10'));
  t.notOk(isValidCalendarDate('2026-04-31'));
  t.notOk(isValidCalendarDate(' 2026-04-30'));
  t.ok(isValidCalendarDate('2000-02-29'), 'divisible by 400: leap');
  t.notOk(isValidCalendarDate('2100-02-29'), 'divisible by 100: not leap');
  // the same answer as the calendar itself, for every day-shaped string of some telling years
  const byCalendar = (v: string) => {
    const d = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
  };
  let differ = 0;
  for (const year of ['0000', '0004', '1900', '1999', '2000', '2024', '2026', '2100', '9999'])
    for (let month = 0; month <= 13; month++)
      for (let day = 0; day <= 32; day++) {
        const v = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        if (isValidCalendarDate(v) !== byCalendar(v)) differ++;
      }
  t.equal(differ, 0, 'agrees with Date on every month and day of nine years');
  t.equal(addDays('2026-12-31', 1), '2027-01-01');
  t.equal(ageOn('2008-11-24', '2026-11-23'), 17);
  t.equal(ageOn('2008-11-23', '2026-11-23'), 18);
});

t.test('adding months keeps the day, or the last day of a shorter month', async (t) => {
  t.equal(addMonths('2026-11-23', 12), '2027-11-23');
  t.equal(addMonths('2026-01-31', 1), '2026-02-28');
  t.equal(addMonths('2028-01-31', 1), '2028-02-29', 'leap year');
  t.equal(addMonths('2026-12-15', 2), '2027-02-15', 'across the year');
  t.equal(addMonths('2026-03-31', -1), '2026-02-28', 'backwards');
});

// what the arithmetic must agree with: the same sums done by Date
const byDate = {
  addDays: (date: string, days: number) => {
    const d = new Date(`${date}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  },
  addMonths: (date: string, months: number) => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const first = new Date(Date.UTC(y, m - 1 + months, 1));
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    first.setUTCDate(Math.min(d, last));
    return first.toISOString().slice(0, 10);
  },
};
const dates = fc.integer({ min: 0, max: 250 * 366 }).map((n) => byDate.addDays('1900-01-01', n));

t.test('property: adding days and months agrees with Date, leap years and month ends included', async (t) => {
  fc.assert(
    fc.property(
      dates,
      fc.integer({ min: -4000, max: 4000 }),
      (date, days) => addDays(date, days) === byDate.addDays(date, days),
    ),
  );
  fc.assert(
    fc.property(
      dates,
      fc.integer({ min: -600, max: 600 }),
      (date, months) => addMonths(date, months) === byDate.addMonths(date, months),
    ),
  );
  t.equal(earliest('2026-11-23', '2026-02-01', '2027-01-01'), '2026-02-01');
  t.equal(latest('2026-11-23', '2026-02-01', '2027-01-01'), '2027-01-01');
});

t.test('the date of service is the date in Sofia', async (t) => {
  t.equal(sofiaDate(new Date('2026-06-30T21:30:00Z')), '2026-07-01', 'UTC+3 in summer');
  t.equal(sofiaDate(new Date('2026-12-31T21:59:00Z')), '2026-12-31', 'UTC+2 in winter');
  t.equal(sofiaDate(new Date('2026-12-31T22:00:00Z')), '2027-01-01');
});

t.test(
  'the date in Sofia, kept for the hour, is the formatted one at any instant and in any order',
  async (t) => {
    const sofia = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Sofia' });
    // the minutes either side of every hour of two years (both changes to and from summer time each
    // year), and instants anywhere, asked for in an order that jumps back and forth
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc
              .integer({ min: 0, max: 2 * 8784 })
              .chain((h) =>
                fc
                  .constantFrom(-60_000, -1, 0, 1, 59 * 60_000)
                  .map((d) => Date.UTC(2026, 0, 1) + h * 3_600_000 + d),
              ),
            fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }),
          ),
          { minLength: 1, maxLength: 200 },
        ),
        (instants) => instants.every((ms) => sofiaDate(new Date(ms)) === sofia.format(new Date(ms))),
      ),
    );
    t.equal(sofiaDate(new Date('2026-03-29T00:59:59.999Z')), '2026-03-29', 'an hour before summer time');
    t.equal(sofiaDate(new Date('2026-03-28T21:59:59.999Z')), '2026-03-28', 'a millisecond before midnight');
    t.equal(sofiaDate(new Date('2026-03-28T22:00:00.000Z')), '2026-03-29', 'midnight, still winter time');
    t.equal(sofiaDate(new Date('2026-10-24T20:59:59.999Z')), '2026-10-24', 'a millisecond before midnight');
    t.equal(sofiaDate(new Date('2026-10-24T21:00:00.000Z')), '2026-10-25', 'midnight, summer time');
  },
);

t.test('periods are half-open', async (t) => {
  const stay = { from: '2026-01-01', to: '2026-01-05' };
  t.ok(periodContains(stay, '2026-01-01'));
  t.notOk(periodContains(stay, '2026-01-05'), 'the discharge day is not in the period');
  t.equal(periodDays(stay), 4);
  t.notOk(periodsOverlap(stay, { from: '2026-01-05' }), 'a transfer on the same day does not overlap');
  t.ok(periodsOverlap(stay, { from: '2026-01-04', to: '2026-01-06' }));
  t.notOk(DatePeriod.safeParse({ from: '2026-02-01', to: '2026-01-01' }).success);
});

t.test(
  'the API takes dates from 1900-01-01 to 2100-12-31; events keep any date PostgreSQL holds',
  async (t) => {
    for (const ok of ['1900-01-01', '2026-03-01', '2100-12-31']) t.ok(LocalDate.safeParse(ok).success, ok);
    for (const bad of ['1899-12-31', '2101-01-01', '0000-01-01', '9999-12-31', '275760-09-13']) {
      const r = LocalDate.safeParse(bad);
      t.notOk(r.success, bad);
    }
    t.match(LocalDate.safeParse('2101-01-01').error?.issues[0]?.message, /between 1900-01-01 and 2100-12-31/);
    t.ok(CalendarDate.safeParse('1850-05-01').success, 'a recorded event stays readable');
    t.notOk(CalendarDate.safeParse('0000-01-01').success, 'year 0 is no date PostgreSQL knows');
    t.ok(Instant.safeParse('2026-03-01T09:30:00Z').success);
    for (const bad of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1899-12-31T23:59:59Z']) {
      t.notOk(Instant.safeParse(bad).success, bad);
    }
  },
);

t.test('a date an answer derives may pass 2100 (a deadline from a date near it)', async (t) => {
  t.ok(ApplicationRecord.shape.assessmentDueBy.safeParse('2101-01-20').success);
  t.ok(OfferRecord.shape.expiresAfter.safeParse('2101-01-08').success);
  t.notOk(
    ApplicationRecord.shape.submittedOn.safeParse('2101-01-01').success,
    'what was asked stays bounded',
  );
});
