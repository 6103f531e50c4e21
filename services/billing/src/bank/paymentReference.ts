/**
 * ISO 11649 creditor references ("RF" references): the payment reference printed on a statement, and
 * finding it again in what a bank line says. Check digits by ISO 7064 mod 97-10, as for an IBAN.
 */

/** The ISO 7064 mod 97 remainder of an uppercase alphanumeric string, letters counted A = 10 … Z = 35. */
export function mod97(alphanumeric: string): number {
  let rest = 0;
  for (const c of alphanumeric) {
    const value = Number.parseInt(c, 36);
    rest = (rest * (value < 10 ? 10 : 100) + value) % 97;
  }
  return rest;
}

/** What people type between the parts of a statement number; anything else not A–Z or 0–9 is refused. */
const SEPARATORS = /[\s\-/._]/g;
const BASE = /^[A-Za-z0-9]{1,21}$/;
const REFERENCE = /^RF(\d{2})[A-Z0-9]{1,21}$/i;
/** The longest reference: `RF`, two check digits and 21 characters of base. */
const MAX_LENGTH = 25;

/**
 * The RF reference of a statement: its number without separators, uppercased, as the base. Characters
 * other than letters A–Z, digits and separators are refused rather than dropped, so that two statement
 * numbers never silently share a reference.
 */
export function paymentReferenceFor(statementNumber: string): string {
  const base = statementNumber.replace(SEPARATORS, '');
  if (!BASE.test(base)) {
    throw new RangeError('an RF reference is made from 1 to 21 letters A–Z and digits');
  }
  const upper = base.toUpperCase();
  const check = 98 - mod97(`${upper}RF00`);
  return `RF${String(check).padStart(2, '0')}${upper}`;
}

/** True for an RF reference with valid check digits, written compactly or printed in groups, any case. */
export function isValidPaymentReference(s: string): boolean {
  const compact = s.replace(/\s+/g, '');
  const match = REFERENCE.exec(compact);
  if (!match) return false;
  const check = Number(match[1]);
  const upper = compact.toUpperCase();
  return check >= 2 && check <= 98 && mod97(upper.slice(4) + upper.slice(0, 4)) === 1;
}

/** Runs of letters and digits separated only by whitespace: a reference never spans anything else. */
const RUN = /[A-Z0-9]+(?:\s+[A-Z0-9]+)*/gi;

/**
 * The valid RF references in free text, compact and uppercased, de-duplicated, in order of appearance.
 * Spaces and line breaks may fall anywhere inside one (printed in groups of four, or a bank's line
 * wrapped mid-reference), so a reference starts at a word and ends at the end of a word: the longest
 * such stretch whose check digits hold wins.
 */
export function findPaymentReferences(text: string): string[] {
  const found = new Set<string>();
  for (const [run] of text.matchAll(RUN)) {
    const words = run.toUpperCase().split(/\s+/);
    let start = 0;
    while (start < words.length) {
      const end = longestReferenceFrom(words, start);
      if (end < 0) {
        start += 1;
        continue;
      }
      found.add(words.slice(start, end + 1).join(''));
      start = end + 1;
    }
  }
  return [...found];
}

/** The index of the last word of the longest valid reference starting at `start`, or -1. */
function longestReferenceFrom(words: string[], start: number): number {
  if (!words[start]?.startsWith('R')) return -1;
  let compact = '';
  let last = -1;
  for (let i = start; i < words.length; i += 1) {
    compact += words[i];
    if (compact.length > MAX_LENGTH) break;
    if (isValidPaymentReference(compact)) last = i;
  }
  return last;
}
