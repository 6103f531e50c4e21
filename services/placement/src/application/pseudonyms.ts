import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The directorate's pseudonyms of clients: one per oblast and reporting year, so a person can be
 * followed through one oblast's report of one year and not linked across oblasts or years (DESIGN §6).
 * Their key is their own, derived from the service secret (HKDF, label `directorate-pseudonym`), never
 * the key of the personal-identifier hash: knowing one never helps with the other.
 */
export function pseudonymiser(secret: string) {
  const key = Buffer.from(hkdfSync('sha256', secret, '', 'directorate-pseudonym', 32));
  return (oblast: string, year: number, clientId: string) =>
    `P-${createHmac('sha256', key).update(`${oblast}|${year}|${clientId}`).digest('base64url').slice(0, 12)}`;
}

/** The reporting year of a date (`YYYY-MM-DD`). */
export const reportingYear = (date: string) => Number(date.slice(0, 4));
