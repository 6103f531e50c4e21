import t from 'tap';
import { billableDays } from '../src/domain/billableDays.js';

// Every case worked out by hand: the days in service that month, less the whole days of absences longer
// than 3 consecutive days (DOMAIN §7's default).
const rule = { exemptAbsenceOverDays: 3 };

t.test('a mid-month admission with a 6-day absence', async (t) => {
  // in service 10–31 March: 22 days; away 15–20 (back on the 21st): 6 days > 3, exempt; 22 − 6 = 16
  const r = billableDays(
    '2026-03',
    { from: '2026-03-10' },
    [{ absenceId: 'a', from: '2026-03-15', returnedOn: '2026-03-21' }],
    rule,
  );
  t.equal(r.daysInMonth, 31);
  t.equal(r.billable, 16);
  t.same(
    r.lines.map((l) => [l.from, l.to, l.days, l.billed, l.reason]),
    [
      ['2026-03-10', '2026-03-15', 5, true, 'in_service'],
      ['2026-03-15', '2026-03-21', 6, false, 'long_absence'],
      ['2026-03-21', '2026-04-01', 11, true, 'in_service'],
    ],
  );
});

t.test('an absence of exactly 3 days is not exempt', async (t) => {
  // away 15, 16, 17 (back on the 18th): 3 days, not more than 3; all 22 days of 10–31 March bill
  const r = billableDays(
    '2026-03',
    { from: '2026-03-10' },
    [{ absenceId: 'a', from: '2026-03-15', returnedOn: '2026-03-18' }],
    rule,
  );
  t.equal(r.billable, 22);
});

t.test(
  'a transfer on the 15th: the sending stay stops the day before, the receiving one bills the day',
  async (t) => {
    // sending: 1–14 March = 14 days; receiving: 15–31 March = 17 days; 14 + 17 = 31, no day twice
    const sending = billableDays('2026-03', { from: '2026-01-05', to: '2026-03-15' }, [], rule);
    const receiving = billableDays('2026-03', { from: '2026-03-15' }, [], rule);
    t.equal(sending.billable, 14);
    t.equal(receiving.billable, 17);
  },
);

t.test('a discharge on the 1st bills nothing that month', async (t) => {
  // [10 Feb, 1 Mar): no day of March; in February 2026 (28 days) 10–28 = 19 days
  t.equal(billableDays('2026-03', { from: '2026-02-10', to: '2026-03-01' }, [], rule).billable, 0);
  const february = billableDays('2026-02', { from: '2026-02-10', to: '2026-03-01' }, [], rule);
  t.same([february.billable, february.daysInMonth], [19, 28]);
});

t.test('February of a leap year has 29 days', async (t) => {
  const r = billableDays('2028-02', { from: '2027-11-01' }, [], rule);
  t.same([r.billable, r.daysInMonth], [29, 29]);
});

t.test('an absence across two months is exempt whole in each', async (t) => {
  // away 29 March – 2 April (back on the 3rd): 5 days > 3; March exempts 29–31 (3 days): 31 − 3 = 28,
  // April exempts 1–2: 30 − 2 = 28
  const away = [{ absenceId: 'a', from: '2026-03-29', returnedOn: '2026-04-03' }];
  t.equal(billableDays('2026-03', { from: '2026-01-01' }, away, rule).billable, 28);
  t.equal(billableDays('2026-04', { from: '2026-01-01' }, away, rule).billable, 28);
});

t.test('an absence not ended yet is as long as it is by the month end', async (t) => {
  // away since 30 March: 2 days by 1 April, not exempt (31 bill); since 27 March: 5 days, exempt 27–31
  t.equal(
    billableDays('2026-03', { from: '2026-01-01' }, [{ absenceId: 'a', from: '2026-03-30' }], rule).billable,
    31,
  );
  t.equal(
    billableDays('2026-03', { from: '2026-01-01' }, [{ absenceId: 'a', from: '2026-03-27' }], rule).billable,
    26,
  );
});

t.test(
  'an absence ends with the stay: away on 28 October, discharged on the 30th, 2 days away',
  async (t) => {
    // in service 1–29 October = 29 days; away 28–29 (2 days, not more than 3): nothing exempt, 29 bill
    const days = billableDays(
      '2026-10',
      { from: '2026-01-01', to: '2026-10-30' },
      [{ absenceId: 'a', from: '2026-10-28' }],
      rule,
    );
    t.equal(days.billable, 29);
    // discharged on 2 November instead: away 28 October – 1 November, 5 days, exempt 28–31 October
    t.equal(
      billableDays(
        '2026-10',
        { from: '2026-01-01', to: '2026-11-02' },
        [{ absenceId: 'a', from: '2026-10-28' }],
        rule,
      ).billable,
      27,
    );
  },
);

t.test('overlapping absences exempt a day once; absences outside the stay change nothing', async (t) => {
  // 5–14 and 10–19 March overlap: exempt 5–19 = 15 days; 31 − 15 = 16. An absence before the admission
  // on the 20th exempts nothing of 20–31 (12 days)
  const both = [
    { absenceId: 'a', from: '2026-03-05', returnedOn: '2026-03-15' },
    { absenceId: 'b', from: '2026-03-10', returnedOn: '2026-03-20' },
  ];
  t.equal(billableDays('2026-03', { from: '2026-01-01' }, both, rule).billable, 16);
  t.equal(billableDays('2026-03', { from: '2026-03-20' }, both, rule).billable, 12);
});

t.test('the threshold is the tariff’s, not a constant', async (t) => {
  // with 7 days allowed, the 6-day absence of the first case bills: 22
  const r = billableDays(
    '2026-03',
    { from: '2026-03-10' },
    [{ absenceId: 'a', from: '2026-03-15', returnedOn: '2026-03-21' }],
    {
      exemptAbsenceOverDays: 7,
    },
  );
  t.equal(r.billable, 22);
});
