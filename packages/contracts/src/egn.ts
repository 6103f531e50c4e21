/**
 * ЕГН (единен граждански номер): `YYMMDDRRSC`. The month carries the century (+20 for 1800–1899,
 * +40 for 2000–2099), the 9th digit the sex (even: male, odd: female), the 10th a check digit.
 */
import { isValidCalendarDate } from './localDate.js';

export type Sex = 'male' | 'female';
export type EgnFacts = { birthDate: string; sex: Sex };
export type IdentifierProblem = 'format' | 'date' | 'checksum' | 'future';

const EGN_WEIGHTS = [2, 4, 8, 5, 10, 9, 7, 3, 6] as const;

export function egnCheckDigit(firstNine: string): number {
  const sum = EGN_WEIGHTS.reduce((acc, w, i) => acc + w * Number(firstNine[i]), 0);
  const rest = sum % 11;
  return rest === 10 ? 0 : rest;
}

function centuryAndMonth(encodedMonth: number): { century: number; month: number } | undefined {
  if (encodedMonth >= 1 && encodedMonth <= 12) return { century: 1900, month: encodedMonth };
  if (encodedMonth >= 21 && encodedMonth <= 32) return { century: 1800, month: encodedMonth - 20 };
  if (encodedMonth >= 41 && encodedMonth <= 52) return { century: 2000, month: encodedMonth - 40 };
  return undefined;
}

/** Parses an ЕГН; `today` (YYYY-MM-DD) refuses birth dates in the future. */
export function parseEgn(
  value: string,
  today?: string,
): { ok: true; facts: EgnFacts } | { ok: false; problem: IdentifierProblem } {
  if (!/^\d{10}$/.test(value)) return { ok: false, problem: 'format' };
  const cm = centuryAndMonth(Number(value.slice(2, 4)));
  if (!cm) return { ok: false, problem: 'date' };
  const year = cm.century + Number(value.slice(0, 2));
  const birthDate = `${year}-${String(cm.month).padStart(2, '0')}-${value.slice(4, 6)}`;
  if (!isValidCalendarDate(birthDate)) return { ok: false, problem: 'date' };
  if (egnCheckDigit(value) !== Number(value[9])) return { ok: false, problem: 'checksum' };
  if (today !== undefined && birthDate > today) return { ok: false, problem: 'future' };
  return { ok: true, facts: { birthDate, sex: Number(value[8]) % 2 === 0 ? 'male' : 'female' } };
}

/** Builds a valid ЕГН for synthetic data: `serial` is the 3-digit region/serial part (its parity is the sex). */
export function composeEgn(birthDate: string, serial: number): string {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const offset = y < 1900 ? 20 : y >= 2000 ? 40 : 0;
  const firstNine =
    String(y % 100).padStart(2, '0') +
    String(m + offset).padStart(2, '0') +
    String(d).padStart(2, '0') +
    String(serial).padStart(3, '0');
  return firstNine + egnCheckDigit(firstNine);
}
