import { z } from 'zod';

/** Fixed conversion rate set by the Euro Introduction Act: 1 EUR = 1.95583 BGN. */
export const BGN_PER_EUR = '1.95583';
/** Bulgaria's first day in euro: amounts of days before it may be in leva, of days from it are in euro. */
export const EURO_ADOPTED_ON = '2026-01-01';

const RATE_NUM = 195_583n; // BGN per EUR × 100 000
const RATE_DEN = 100_000n;

export const Currency = z.enum(['EUR', 'BGN']);
export type Currency = z.infer<typeof Currency>;

/** An amount in the currency's minor unit (euro cents, stotinki), always an integer. */
export const Money = z
  .object({ amountMinor: z.number().int().safe(), currency: Currency })
  .meta({ description: 'Integer amount in minor units (cents) with its currency' });
export type Money = z.infer<typeof Money>;

export const eur = (cents: number): Money => ({ amountMinor: cents, currency: 'EUR' });
export const bgn = (stotinki: number): Money => ({ amountMinor: stotinki, currency: 'BGN' });

/** Integer division rounded half away from zero ("half-up" as commercial rounding means it). */
function divHalfUp(n: bigint, d: bigint): bigint {
  const sign = n < 0n ? -1n : 1n;
  const abs = n < 0n ? -n : n;
  return sign * ((abs * 2n + d) / (2n * d));
}

/** Converts any amount to euro cents; BGN at the full fixed rate, rounded half-up to the cent. */
export function toEur(m: Money): Money {
  if (m.currency === 'EUR') return m;
  return eur(Number(divHalfUp(BigInt(m.amountMinor) * RATE_DEN, RATE_NUM)));
}

export class CurrencyMismatch extends Error {
  readonly code = 'CURRENCY_MISMATCH';
}

/** Adds amounts; mixing currencies converts BGN to EUR first (the only moment conversion happens). */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency === b.currency) return { amountMinor: a.amountMinor + b.amountMinor, currency: a.currency };
  return eur(toEur(a).amountMinor + toEur(b).amountMinor);
}

/**
 * `m × numerator ÷ denominator` in euro cents, a BGN amount converted in the same single rounding (a share
 * of a leva income, say): taking the share of an amount already converted would round twice.
 */
export function prorateToEur(m: Money, numerator: number, denominator: number): Money {
  if (m.currency === 'EUR') return prorate(m, numerator, denominator);
  if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || denominator <= 0) {
    throw new RangeError('prorate takes whole numbers and a positive denominator');
  }
  return eur(
    Number(divHalfUp(BigInt(m.amountMinor) * BigInt(numerator) * RATE_DEN, BigInt(denominator) * RATE_NUM)),
  );
}

/** `m × numerator ÷ denominator`, rounded half-up to the minor unit (e.g. fee × billable days ÷ days). */
export function prorate(m: Money, numerator: number, denominator: number): Money {
  if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || denominator <= 0) {
    throw new RangeError('prorate takes whole numbers and a positive denominator');
  }
  const amount = divHalfUp(BigInt(m.amountMinor) * BigInt(numerator), BigInt(denominator));
  return { amountMinor: Number(amount), currency: m.currency };
}
