import type { MunicipalityCode, OblastCode } from '@casework/contracts';
import { findMunicipality, findOblast, municipalitiesOf, oblastOf } from '@casework/reference-data';
import { type RawBuilder, sql } from 'kysely';
import type { Principal, Role } from './principal.js';
import { forbidden } from './problems.js';

/**
 * The jurisdiction a caller may see: every query filters by it (DESIGN §6). A single resource outside
 * it reads as absent (404); an explicit request for another jurisdiction is refused (403).
 */
export type Jurisdiction =
  | { kind: 'national' }
  | { kind: 'municipalities'; codes: readonly MunicipalityCode[] };

/** Roles by the scope they act in (DESIGN §6): a municipality, an oblast, or the whole country. */
export const MUNICIPAL_ROLES: readonly Role[] = ['case_manager', 'supervisor', 'billing_officer'];
export const DIRECTORATE_ROLES: readonly Role[] = ['directorate_analyst'];
export const NATIONAL_ROLES: readonly Role[] = ['integrator', 'admin'];

type ScopeKind = 'municipal' | 'directorate' | 'national';
const kindOf = (role: Role): ScopeKind =>
  MUNICIPAL_ROLES.includes(role)
    ? 'municipal'
    : DIRECTORATE_ROLES.includes(role)
      ? 'directorate'
      : 'national';

/**
 * Why a principal's roles and scope claims do not fit together, or undefined when they do. Each role is
 * checked on its own: municipal roles need a `municipality` of the reference data and no `oblast`; the
 * directorate analyst needs an `oblast` of the reference data and no `municipality`; admins are
 * national and carry neither; integrators are national without a claim, or scoped to the one
 * municipality or oblast they carry. Roles of different kinds in one token are refused, so no claim
 * ever widens or narrows another role's scope. The verifier answers 401 with this reason.
 */
export function scopeMismatch(p: Principal): string | undefined {
  const kinds = new Set(p.roles.map(kindOf));
  if (kinds.size !== 1) return `the roles ${p.roles.join(', ')} do not share one scope`;
  const [kind] = kinds;
  if (kind === 'municipal') {
    if (p.oblast !== undefined) return 'a municipal role carries no oblast claim';
    if (p.municipality === undefined) return 'a municipal role needs a municipality claim';
    if (!findMunicipality(p.municipality)) return `no municipality ${p.municipality} in the reference data`;
  } else if (kind === 'directorate') {
    if (p.municipality !== undefined) return 'a directorate role carries no municipality claim';
    if (p.oblast === undefined) return 'a directorate role needs an oblast claim';
    if (!findOblast(p.oblast)) return `no oblast ${p.oblast} in the reference data`;
  } else if (p.municipality !== undefined || p.oblast !== undefined) {
    // an integrator may be scoped as staff are: a municipality's ERP, a directorate's dashboard
    if (p.roles.some((r) => r !== 'integrator'))
      return 'admins act nationally and carry no municipality or oblast claim';
    if (p.municipality !== undefined && p.oblast !== undefined)
      return 'an integrator is scoped to a municipality or an oblast, not both';
    if (p.municipality !== undefined && !findMunicipality(p.municipality))
      return `no municipality ${p.municipality} in the reference data`;
    if (p.oblast !== undefined && !findOblast(p.oblast)) return `no oblast ${p.oblast} in the reference data`;
  }
  return undefined;
}

/** The caller's jurisdiction, from the scope its roles act in; a principal whose scope does not fit sees nothing. */
export function jurisdictionOf(p: Principal): Jurisdiction {
  const none: Jurisdiction = { kind: 'municipalities', codes: [] };
  if (scopeMismatch(p)) return none;
  switch (kindOf(p.roles[0]!)) {
    case 'municipal':
      return { kind: 'municipalities', codes: [p.municipality!] };
    case 'directorate':
      return { kind: 'municipalities', codes: municipalitiesOf(p.oblast!).map((m) => m.code) };
    case 'national':
      // integrators only (scopeMismatch refuses admins with a claim): the scope they were given
      if (p.municipality !== undefined) return { kind: 'municipalities', codes: [p.municipality] };
      if (p.oblast !== undefined)
        return { kind: 'municipalities', codes: municipalitiesOf(p.oblast).map((m) => m.code) };
      return { kind: 'national' };
  }
}

/**
 * The scope a principal's claims name, as named (a municipality, an oblast, or neither: the country),
 * for what is kept beyond a request (a webhook endpoint): expanded when used, with the reference data of
 * the day.
 */
export type Scope = { municipality?: MunicipalityCode; oblast?: OblastCode };
export const scopeOf = (p: Principal): Scope => ({
  ...(p.municipality !== undefined ? { municipality: p.municipality } : {}),
  ...(p.oblast !== undefined ? { oblast: p.oblast } : {}),
});
export const sameScope = (a: Scope, b: Scope) => a.municipality === b.municipality && a.oblast === b.oblast;
/** What an integrator of a kept scope sees today. */
export const integratorJurisdiction = (scope: Scope): Jurisdiction =>
  jurisdictionOf({ sub: 'integrator', roles: ['integrator'], ...scope });

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

/**
 * An oblast's aggregates are for those who see all of it: an analyst of the oblast, a national caller,
 * an integrator of the oblast; never one of its municipalities (403), whose own figures and the oblast's
 * would tell the others'.
 */
export function assertSeesWholeOblast(j: Jurisdiction, oblast: OblastCode) {
  if (!municipalitiesOf(oblast).every((m) => covers(j, m.code)))
    throw forbidden(`no access to all of oblast ${oblast}`);
}

/** The caller's scope as a SQL condition; one municipality is an equality, so an index keeps its order. */
export const inJurisdiction = (j: Jurisdiction, column: RawBuilder<unknown>) => {
  if (j.kind === 'national') return sql`TRUE`;
  const codes = [...j.codes];
  return codes.length === 1 ? sql`${column} = ${codes[0]}` : sql`${column} = ANY(${codes}::text[])`;
};
