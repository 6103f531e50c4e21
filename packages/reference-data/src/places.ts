import { readFileSync } from 'node:fs';
import type { MunicipalityCode, OblastCode } from '@casework/contracts';
import { parseCsv } from './csv.js';

export type Oblast = { iso: OblastCode; ekatte: string; nameBg: string; nameEn: string };
export type Municipality = { code: MunicipalityCode; nameBg: string; nameEn: string; oblast: OblastCode };

const read = (file: string) => parseCsv(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8'));

export const oblasts: readonly Oblast[] = read('oblasts.csv').map((r) => ({
  iso: r.iso_code!,
  ekatte: r.ekatte_code!,
  nameBg: r.name_bg!,
  nameEn: r.name_en!,
}));

export const municipalities: readonly Municipality[] = read('municipalities.csv').map((r) => ({
  code: r.code!,
  nameBg: r.name_bg!,
  nameEn: r.name_en!,
  oblast: r.oblast_iso!,
}));

const byCode = new Map(municipalities.map((m) => [m.code, m]));
const oblastByIso = new Map(oblasts.map((o) => [o.iso, o]));

export const findMunicipality = (code: string): Municipality | undefined => byCode.get(code);
export const findOblast = (iso: string): Oblast | undefined => oblastByIso.get(iso);
export const oblastOf = (code: MunicipalityCode): OblastCode | undefined => byCode.get(code)?.oblast;
export const municipalitiesOf = (oblast: OblastCode): Municipality[] =>
  municipalities.filter((m) => m.oblast === oblast);
