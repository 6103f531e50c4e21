import { z } from 'zod';
import { MUNICIPALITY_CODES, OBLAST_CODES } from './placeCodes.js';

const oblasts = new Set(OBLAST_CODES);
const municipalityCodes = new Set(MUNICIPALITY_CODES);

/**
 * ISO 3166-2:BG oblast code, `BG-01` … `BG-28`. A well-formed code must also name an oblast of the
 * reference data (the list in placeCodes.ts, checked against it by a test).
 */
export const OblastCode = z
  .string()
  .regex(/^BG-(0[1-9]|1\d|2[0-8])$/, { message: 'must be an ISO 3166-2:BG code such as BG-01', abort: true })
  .refine((c) => oblasts.has(c), 'is not an oblast of the reference data')
  .meta({ example: 'BG-01' });
export type OblastCode = z.infer<typeof OblastCode>;

/**
 * EKATTE municipality code: oblast letters and a two-digit number, e.g. `BLG01` (Bansko). A well-formed
 * code must also name a municipality of the reference data (`XXX99` does not).
 */
export const MunicipalityCode = z
  .string()
  .regex(/^[A-Z]{3}\d{2}$/, { message: 'must be an EKATTE municipality code such as BLG01', abort: true })
  .refine((c) => municipalityCodes.has(c), 'is not a municipality of the reference data')
  .meta({ example: 'BLG01' });
export type MunicipalityCode = z.infer<typeof MunicipalityCode>;
