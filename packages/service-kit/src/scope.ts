import type { MunicipalityCode, OblastCode } from '@casework/contracts';
import { municipalitiesOf, oblastOf } from '@casework/reference-data';
import { type RawBuilder, sql } from 'kysely';
import type { Principal } from './auth.js';
import { forbidden } from './problems.js';

/**
 * The jurisdiction a caller may see: every query filters by it (DESIGN §6). A single resource outside
 * it reads as absent (404); an explicit request for another jurisdiction is refused (403).
 */
export type Jurisdiction =
  | { kind: 'national' }
  | { kind: 'municipalities'; codes: readonly MunicipalityCode[] };

export function jurisdictionOf(p: Principal): Jurisdiction {
  if (p.municipality) return { kind: 'municipalities', codes: [p.municipality] };
  if (p.oblast) return { kind: 'municipalities', codes: municipalitiesOf(p.oblast).map((m) => m.code) };
  // unscoped tokens see everything only for admins and integrators; anyone else sees nothing
  const national = p.roles.includes('admin') || p.roles.includes('integrator');
  return national ? { kind: 'national' } : { kind: 'municipalities', codes: [] };
}

export const covers = (j: Jurisdiction, municipality: MunicipalityCode) =>
  j.kind === 'national' || j.codes.includes(municipality);

/** An explicit filter by municipality or oblast must lie inside the caller's jurisdiction (else 403). */
export function assertMayAsk(j: Jurisdiction, ask: { municipality?: MunicipalityCode; oblast?: OblastCode }) {
  if (ask.municipality && !covers(j, ask.municipality)) {
    throw forbidden(`no access to municipality ${ask.municipality}`);
  }
  if (ask.oblast && j.kind !== 'national' && !j.codes.some((c) => oblastOf(c) === ask.oblast)) {
    throw forbidden(`no access to oblast ${ask.oblast}`);
  }
}

/** The caller's scope as a SQL condition; one municipality is an equality, so an index keeps its order. */
export const inJurisdiction = (j: Jurisdiction, column: RawBuilder<unknown>) => {
  if (j.kind === 'national') return sql`TRUE`;
  const codes = [...j.codes];
  return codes.length === 1 ? sql`${column} = ${codes[0]}` : sql`${column} = ANY(${codes}::text[])`;
};
