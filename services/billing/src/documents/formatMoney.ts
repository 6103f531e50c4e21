import type { LocalDate, Money } from '@casework/contracts';

/** No-break space: between digit groups, and before `€`, `лв.` and `г.`, so a value never wraps apart. */
const NBSP = '\u00a0';
const MINUS = '\u2212';
const SYMBOL: Record<Money['currency'], string> = { EUR: '€', BGN: 'лв.' };

const MONTHS = [
  'януари',
  'февруари',
  'март',
  'април',
  'май',
  'юни',
  'юли',
  'август',
  'септември',
  'октомври',
  'ноември',
  'декември',
];

/**
 * Groups of three from the right, four-digit amounts too (`1 234,56`): Bulgarian prose writes `1234`
 * whole, but in a column of amounts every figure is grouped so that the digits line up.
 */
function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+$)/g, NBSP);
}

/**
 * `12 345,67 €`, `−12,00 €`, `12,00 лв.`: built from the digits of the integer minor amount, so no
 * float ever touches it.
 */
export function formatMoney(money: Money): string {
  const negative = money.amountMinor < 0;
  const digits = String(Math.abs(money.amountMinor)).padStart(3, '0');
  const units = groupDigits(digits.slice(0, -2));
  return `${negative ? MINUS : ''}${units},${digits.slice(-2)}${NBSP}${SYMBOL[money.currency]}`;
}

/** `2027-01-20` → `20.01.2027 г.` */
export function formatDate(date: LocalDate): string {
  const [year, month, day] = date.split('-');
  return `${day}.${month}.${year}${NBSP}г.`;
}

/** `2027-01` → `януари 2027 г.` */
export function formatMonth(period: string): string {
  const [year, month] = period.split('-');
  const name = MONTHS[Number(month) - 1];
  if (name === undefined) throw new RangeError(`not a month: ${period}`);
  return `${name} ${year}${NBSP}г.`;
}

/** An RF reference or an IBAN in groups of four, as they are printed for people to copy. */
export function formatInGroupsOfFour(reference: string): string {
  return reference.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}
