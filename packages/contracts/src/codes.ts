import { z } from 'zod';

/** ISO 3166-2:BG oblast code, `BG-01` … `BG-28`. Membership is checked against reference data. */
export const OblastCode = z
  .string()
  .regex(/^BG-(0[1-9]|1\d|2[0-8])$/, 'must be an ISO 3166-2:BG code such as BG-01')
  .meta({ example: 'BG-01' });
export type OblastCode = z.infer<typeof OblastCode>;

/** EKATTE municipality code: oblast letters and a two-digit number, e.g. `BLG01` (Bansko). */
export const MunicipalityCode = z
  .string()
  .regex(/^[A-Z]{3}\d{2}$/, 'must be an EKATTE municipality code such as BLG01')
  .meta({ example: 'BLG01' });
export type MunicipalityCode = z.infer<typeof MunicipalityCode>;
