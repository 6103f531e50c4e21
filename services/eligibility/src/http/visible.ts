import { visibleDirectoryEntry } from '@casework/client-directory';
import { DomainError, type MunicipalityCode } from '@casework/contracts';
import { covers, jurisdictionOf, notFound, principalOf, type ServiceContext } from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import { loadEligibility } from '../application/decisions.js';
import type { ClientEligibility, Determination, ServiceEligibility } from '../domain/clientEligibility.js';
import { submittedApplication } from '../projections/factQueries.js';

/**
 * The lookups of every kind of id a request may name (client, application, determination, appeal),
 * each within the caller's jurisdiction: a record outside it throws exactly the 404 of a record that does
 * not exist (same code, same detail), so no later rule or detail tells a caller anything about it. Routes
 * look up each id they are given through these before any rule runs (DESIGN §6).
 */
export function visible(ctx: ServiceContext, request: FastifyRequest) {
  const j = jurisdictionOf(principalOf(request));
  const sees = (municipality: string) => covers(j, municipality as MunicipalityCode);
  /** The client's determination, if its municipality is the caller's. */
  const determination = async (clientId: string, determinationId: string) => {
    const loaded = await loadEligibility(ctx, clientId);
    const d = loaded.state.determinations.get(determinationId);
    if (!d || !sees(d.municipality)) throw notFound('the determination');
    return { ...loaded, determination: d };
  };
  return {
    sees,
    /** What of a client's eligibility the caller's jurisdiction covers (see `eligibilitySeen`). */
    eligibility: (state: ClientEligibility) => eligibilitySeen(state, sees),
    /** A client, as the directory kept from intake's events has them, if their municipality is the caller's. */
    client: (clientId: string) => visibleDirectoryEntry(ctx, j, clientId),
    /** The client's application, as intake's event told it, if it was made in the caller's municipality. */
    async application(clientId: string, applicationId: string) {
      const a = await submittedApplication(ctx, clientId, applicationId);
      if (!a || !sees(a.municipality)) throw notFound('the application');
      return { applicationId, ...a };
    },
    determination,
    /** The client's appeal, if the determination it contests is the caller's municipality's. */
    async appeal(clientId: string, appealId: string) {
      const loaded = await loadEligibility(ctx, clientId);
      const appeal = loaded.state.appeals.get(appealId);
      const d = appeal && loaded.state.determinations.get(appeal.determinationId);
      if (!appeal || !d || !sees(d.municipality)) throw notFound('the appeal');
      return { ...loaded, appeal, determination: d };
    },
  };
}

export type Visible = ReturnType<typeof visible>;

type Appeal = ClientEligibility['appeals'] extends Map<string, infer A> ? A : never;

/** A service type of a client's eligibility as one caller may see it. */
export type SeenService = ServiceEligibility & {
  /** Whether `current` is the determination in force (else the caller's latest, since superseded). */
  inForce: boolean;
  /** The appeals against determinations the caller sees. */
  appeals: Appeal[];
};

/**
 * What of a client's eligibility a caller sees, per service type, built only from records of
 * municipalities the caller's jurisdiction covers — the one filter every answer (views and command
 * answers alike) is built from. For each service type with a determination the caller sees: the
 * determination in force if it is the caller's, else the caller's latest one (the client's case has
 * moved on and another municipality decided since; nothing of that is told); only the appeals against
 * determinations the caller sees; and the decree (override or won appeal) only with the determination
 * in force, since a superseded determination has none in effect.
 */
export function eligibilitySeen(state: ClientEligibility, sees: (municipality: string) => boolean) {
  const latest = new Map<string, Determination>();
  // a map keeps the order the determinations were recorded in: the last one seen is the latest
  for (const d of state.determinations.values()) if (sees(d.municipality)) latest.set(d.serviceType, d);
  const seenDetermination = (id: string) => {
    const d = state.determinations.get(id);
    return d !== undefined && sees(d.municipality);
  };
  const seen = new Map<string, SeenService>();
  for (const [serviceType, current] of latest) {
    const s = state.byService.get(serviceType)!;
    const inForce = s.current.determinationId === current.determinationId;
    const appeals = [...state.appeals.values()].filter(
      (a) => a.serviceType === serviceType && seenDetermination(a.determinationId),
    );
    seen.set(
      serviceType,
      inForce ? { ...s, inForce, appeals } : { current, effective: current.outcome, inForce, appeals },
    );
  }
  return seen;
}

/**
 * Runs a command whose refusal may name another determination of the client (the one that superseded
 * the determination acted on, say after the client's case moved): one outside the caller's jurisdiction
 * is not named, and nothing of it is told; the refusal says only that one made elsewhere replaced it.
 */
export async function namingOnlyVisibleDeterminations<T>(
  scope: Visible,
  clientId: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const current = e instanceof DomainError ? e.extra.current : undefined;
    const named =
      current && typeof current === 'object'
        ? (current as { determinationId?: unknown }).determinationId
        : undefined;
    if (typeof named !== 'string') throw e;
    const seen = await scope.determination(clientId, named).then(
      () => true,
      () => false,
    );
    if (seen) throw e;
    const { kind, code } = e as DomainError;
    throw new DomainError(
      kind,
      code,
      'a later determination, made in another municipality, replaced this one',
    );
  }
}
