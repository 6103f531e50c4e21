import { bgn, eur, type Money } from '@casework/contracts';
import fc from 'fast-check';
import t from 'tap';
import { monthlyFee } from '../src/domain/monthlyFee.js';

// Money never goes through a float: each fee is checked against the exact rational value it stands for,
// by the definition of rounding half-up (r is the half-up rounding of N/D when 2rD ≤ 2N + D < 2(r+1)D),
// for amounts from a cent to where a double no longer holds every cent of a product (income × basis
// points × days goes past 2^53). A float anywhere on the way gives a cent off somewhere in these runs.

/** True when `r` is N/D rounded half-up (N, D > 0). */
const isHalfUp = (r: number, n: bigint, d: bigint) => {
  const rr = BigInt(r);
  return 2n * rr * d <= 2n * n + d && 2n * n + d < 2n * (rr + 1n) * d;
};
/** Leva to euro at 1.95583: 100,000 / 195,583. */
const [RATE_DEN, RATE_NUM] = [100_000n, 195_583n];

// everyday amounts, and amounts whose products with basis points or days pass 2^53 (where a double
// drops the last cents): a float on the way rounds some of them wrong
const amount = (everyday: number) =>
  fc.oneof(fc.integer({ min: 1, max: everyday }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const income = amount(2_000_000); // up to €20,000.00 a month
const month = fc
  .integer({ min: 28, max: 31 })
  .chain((daysInMonth) =>
    fc.record({ daysInMonth: fc.constant(daysInMonth), billable: fc.integer({ min: 0, max: daysInMonth }) }),
  );

t.test(
  'an income share of a euro income: the exact share, capped at the cost, prorated, each rounded once',
  async (t) => {
    fc.assert(
      fc.property(
        income,
        fc.integer({ min: 1, max: 10_000 }),
        month,
        fc.integer({ min: 1, max: 5_000_000 }),
        (cents, bp, days, costCents) => {
          const fee = monthlyFee({ kind: 'income_share', basisPoints: bp }, days, {
            monthlyIncome: eur(cents),
            actualMonthlyCost: eur(costCents),
          });
          // the share is income × bp ÷ 10,000; over the cost once it rounds to more: 2N ≥ (2·cost + 1)·D
          const [n, d] = [BigInt(cents) * BigInt(bp), 10_000n];
          const over = 2n * n >= (2n * BigInt(costCents) + 1n) * d;
          return (
            fee.capped === over &&
            (over ? fee.fullMonth.amountMinor === costCents : isHalfUp(fee.fullMonth.amountMinor, n, d)) &&
            fee.due.currency === 'EUR' &&
            isHalfUp(
              fee.due.amountMinor,
              BigInt(fee.fullMonth.amountMinor) * BigInt(days.billable),
              BigInt(days.daysInMonth),
            )
          );
        },
      ),
      { numRuns: 2000 },
    );
    t.pass('2,000 fees exact to the cent');
  },
);

t.test('an income share of a leva income: converted in the same single rounding as the share', async (t) => {
  fc.assert(
    fc.property(income, fc.integer({ min: 1, max: 10_000 }), month, (stotinki, bp, days) => {
      const fee = monthlyFee({ kind: 'income_share', basisPoints: bp }, days, {
        monthlyIncome: bgn(stotinki),
        actualMonthlyCost: eur(Number.MAX_SAFE_INTEGER),
      });
      // share = stotinki × bp ÷ 10,000 leva-cents, × 100,000 ÷ 195,583 in euro cents
      const n = BigInt(stotinki) * BigInt(bp) * RATE_DEN;
      const d = 10_000n * RATE_NUM;
      return (
        fee.convertedFromBgn &&
        isHalfUp(fee.fullMonth.amountMinor, n, d) &&
        isHalfUp(
          fee.due.amountMinor,
          BigInt(fee.fullMonth.amountMinor) * BigInt(days.billable),
          BigInt(days.daysInMonth),
        )
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('2,000 converted fees exact to the cent');
});

t.test('a daily rate: rate × days in its own currency, converted once', async (t) => {
  fc.assert(
    fc.property(
      // at most the whole cost a day (the cap), so the rate alone decides
      amount(1_000_000).map((r) => Math.max(1, Math.floor(r / 31))),
      fc.constantFrom<Money['currency']>('EUR', 'BGN'),
      month,
      (rate, currency, days) => {
        const fee = monthlyFee({ kind: 'daily', amount: { amountMinor: rate, currency } }, days, {
          actualMonthlyCost: eur(Number.MAX_SAFE_INTEGER),
        });
        const n = BigInt(rate) * BigInt(days.billable);
        return currency === 'EUR'
          ? fee.due.amountMinor === Number(n)
          : isHalfUp(fee.due.amountMinor, n * RATE_DEN, RATE_NUM);
      },
    ),
    { numRuns: 2000 },
  );
  t.pass('2,000 daily fees exact to the cent');
});
