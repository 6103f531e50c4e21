import { bgn, eur } from '@casework/contracts';
import t from 'tap';
import { monthlyFee } from '../src/domain/monthlyFee.js';

// Each figure worked out by hand, in euro cents.
const march = (billable: number) => ({ billable, daysInMonth: 31 });
const cost = eur(150_000); // the place costs €1,500.00 a month

t.test('70% of the income, for 16 of 31 days', async (t) => {
  // 70% of €600.00 = €420.00; × 16 ÷ 31 = 216.7741… → €216.77
  const fee = monthlyFee({ kind: 'income_share', basisPoints: 7000 }, march(16), {
    monthlyIncome: eur(60_000),
    actualMonthlyCost: cost,
  });
  t.same(fee, { fullMonth: eur(42_000), due: eur(21_677), capped: false, convertedFromBgn: false });
});

t.test('rounding half-up to the cent', async (t) => {
  // 30% of €333.35 = 100.005 → €100.01 (half-up); × 31 ÷ 31 unchanged
  const fee = monthlyFee({ kind: 'income_share', basisPoints: 3000 }, march(31), {
    monthlyIncome: eur(33_335),
    actualMonthlyCost: cost,
  });
  t.same(fee.due, eur(10_001));
});

t.test('a BGN income from 2025 used for a 2026 fee', async (t) => {
  // 80% of 1,000.00 лв = 800.00 лв ÷ 1.95583 = 409.0335… → €409.03, rounded once; all of February 2026 (28/28)
  const fee = monthlyFee(
    { kind: 'income_share', basisPoints: 8000 },
    { billable: 28, daysInMonth: 28 },
    {
      monthlyIncome: bgn(100_000),
      actualMonthlyCost: cost,
    },
  );
  t.same(fee, { fullMonth: eur(40_903), due: eur(40_903), capped: false, convertedFromBgn: true });
  // 70% of 500.00 лв = 350.00 лв ÷ 1.95583 = 178.9521… → €178.95; converting first and then taking the
  // share would round twice: 500.00 лв → €255.65, × 70% = 178.955 → €178.96
  const half = monthlyFee(
    { kind: 'income_share', basisPoints: 7000 },
    { billable: 28, daysInMonth: 28 },
    { monthlyIncome: bgn(50_000), actualMonthlyCost: cost },
  );
  t.same(half.due, eur(17_895));
});

t.test('never more than the place costs', async (t) => {
  // 80% of €2,500.00 = €2,000.00 > €1,500.00: capped; × 10 ÷ 31 = 483.870… → €483.87
  const fee = monthlyFee({ kind: 'income_share', basisPoints: 8000 }, march(10), {
    monthlyIncome: eur(250_000),
    actualMonthlyCost: cost,
  });
  t.same(fee, { fullMonth: cost, due: eur(48_387), capped: true, convertedFromBgn: false });
});

t.test('a fixed monthly rent and a daily rate', async (t) => {
  // rent €45.50 for 14 of 31 days: 45.50 × 14 ÷ 31 = 20.548… → €20.55
  t.same(
    monthlyFee({ kind: 'fixed_monthly', amount: eur(4_550) }, march(14), { actualMonthlyCost: cost }).due,
    eur(2_055),
  );
  // €3.20 a day × 17 days = €54.40 (the cost prorated, €822.58, is higher)
  t.same(
    monthlyFee({ kind: 'daily', amount: eur(320) }, march(17), { actualMonthlyCost: cost }).due,
    eur(5_440),
  );
  // €60.00 a day × 17 = €1,020.00 > €1,500.00 × 17 ÷ 31 = 822.580… → capped at €822.58
  const capped = monthlyFee({ kind: 'daily', amount: eur(6_000) }, march(17), { actualMonthlyCost: cost });
  t.same([capped.due, capped.capped], [eur(82_258), true]);
  // 6.25 лв a day × 17 = 106.25 лв ÷ 1.95583 = 54.3248… → €54.32 (converting the rate first, €3.20 × 17,
  // would give €54.40)
  const leva = monthlyFee({ kind: 'daily', amount: bgn(625) }, march(17), { actualMonthlyCost: cost });
  t.same([leva.due, leva.convertedFromBgn], [eur(5_432), true]);
});

t.test('no income: an income share is nothing', async (t) => {
  t.same(
    monthlyFee({ kind: 'income_share', basisPoints: 7000 }, march(31), { actualMonthlyCost: cost }).due,
    eur(0),
  );
});

t.test('rent by floor area at a BGN rate: rate × area converted in one rounding', async (t) => {
  // 0.46 лв × 45.50 m² = 20.93 лв ÷ 1.95583 = 10.7013… → €10.70; all of April (30/30)
  const fee = monthlyFee(
    { kind: 'per_square_metre', ratePerSquareMetre: bgn(46) },
    { billable: 30, daysInMonth: 30 },
    { actualMonthlyCost: cost, floorAreaSquareMetres: 45.5 },
  );
  t.same(fee, { fullMonth: eur(1_070), due: eur(1_070), capped: false, convertedFromBgn: true });
});
