import { type FeeBasis, type Money, prorate, prorateToEur, toEur } from '@casework/contracts';
import type { BillableDays } from './billableDays.js';

/** Why a month's fee is what it is, beside the fee itself. */
export type MonthlyFee = {
  /** The fee for the whole month before days are counted, capped at the place's actual cost. */
  fullMonth: Money;
  /** The month's fee: the full month's × billable days ÷ days in the month (a daily rate: × days). */
  due: Money;
  capped: boolean;
  /** Each euro figure made from a BGN amount says so. */
  convertedFromBgn: boolean;
};

/**
 * The fee of a month: the tariff's amount (income share, fixed, or daily rate × days), never more than
 * the place's actual monthly cost, prorated by billable days and rounded half-up to the cent. Amounts in
 * BGN are converted to euro when they meet euro amounts, at the fixed rate, half-up.
 */
export function monthlyFee(
  basis: FeeBasis,
  days: Pick<BillableDays, 'billable' | 'daysInMonth'>,
  inputs: { monthlyIncome?: Money; actualMonthlyCost: Money; floorAreaSquareMetres?: number },
): MonthlyFee {
  const cost = toEur(inputs.actualMonthlyCost);
  let convertedFromBgn = inputs.actualMonthlyCost.currency === 'BGN';
  const euro = (m: Money) => {
    if (m.currency === 'BGN') convertedFromBgn = true;
    return toEur(m);
  };
  /** m × n ÷ d in euro, a leva amount converted in the same rounding (not rounded in leva, then again). */
  const part = (m: Money, n: number, d: number) => {
    if (m.currency === 'BGN') convertedFromBgn = true;
    return prorateToEur(m, n, d);
  };
  if (basis.kind === 'daily') {
    // rate × days in the rate's own currency, converted once: converting a daily rate first would
    // multiply its rounding by the days
    const times = (n: number) =>
      euro({ ...basis.amount, amountMinor: basis.amount.amountMinor * n }).amountMinor;
    const cap = prorate(cost, days.billable, days.daysInMonth).amountMinor;
    const due = times(days.billable);
    return {
      fullMonth: { amountMinor: Math.min(times(days.daysInMonth), cost.amountMinor), currency: 'EUR' },
      due: { amountMinor: Math.min(due, cap), currency: 'EUR' },
      capped: due > cap,
      convertedFromBgn,
    };
  }
  const uncapped =
    basis.kind === 'fixed_monthly'
      ? euro(basis.amount)
      : basis.kind === 'per_square_metre'
        ? // rate × area (in hundredths of a m²), converted in one rounding: converting a rate of a few
          // stotinki first would multiply its rounding by the area
          part(basis.ratePerSquareMetre, Math.round((inputs.floorAreaSquareMetres ?? 0) * 100), 100)
        : // the income's share, converted in the same rounding: 70% of 500.00 лв is €178.95 (350.00 лв ÷
          // 1.95583 = 178.952…), not 70% of €255.65 = €178.96
          part(inputs.monthlyIncome ?? { amountMinor: 0, currency: 'EUR' }, basis.basisPoints, 10_000);
  const capped = uncapped.amountMinor > cost.amountMinor;
  const fullMonth = capped ? cost : uncapped;
  return { fullMonth, due: prorate(fullMonth, days.billable, days.daysInMonth), capped, convertedFromBgn };
}
