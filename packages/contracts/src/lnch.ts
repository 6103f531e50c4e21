/** ЛНЧ (личен номер на чужденец): 10 digits, the last a check digit (weights 21,19,…,1, mod 10). */
const LNCH_WEIGHTS = [21, 19, 17, 13, 11, 9, 7, 3, 1] as const;

export function lnchCheckDigit(firstNine: string): number {
  return LNCH_WEIGHTS.reduce((acc, w, i) => acc + w * Number(firstNine[i]), 0) % 10;
}

export function parseLnch(value: string): { ok: true } | { ok: false; problem: 'format' | 'checksum' } {
  if (!/^\d{10}$/.test(value)) return { ok: false, problem: 'format' };
  if (lnchCheckDigit(value) !== Number(value[9])) return { ok: false, problem: 'checksum' };
  return { ok: true };
}

export function composeLnch(firstNine: string): string {
  return firstNine + lnchCheckDigit(firstNine);
}
