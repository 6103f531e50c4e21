import { ApplicationSubmitted, type MunicipalityCode } from '@casework/contracts';
import {
  covers,
  findDirectoryEntry,
  jurisdictionOf,
  notFound,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { loadEligibility } from '../application/decisions.js';

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
    /** A client, as the directory kept from intake's events has them, if their municipality is the caller's. */
    async client(clientId: string) {
      const entry = await findDirectoryEntry(ctx, clientId);
      if (!entry || !sees(entry.municipality)) throw notFound('the client');
      return entry;
    },
    /** The client's application, as intake's event told it, if it was made in the caller's municipality. */
    async application(clientId: string, applicationId: string) {
      const { rows } = await sql<{ municipality: string; service_type: string }>`SELECT
          data->>'municipality' AS municipality, data->>'serviceType' AS service_type
        FROM ${sql.id(ctx.store.schema, 'client_facts')}
        WHERE client_id = ${clientId}::uuid AND type = ${ApplicationSubmitted.name}
          AND data->>'applicationId' = ${applicationId}`.execute(ctx.store.db);
      const a = rows[0];
      if (!a || !sees(a.municipality)) throw notFound('the application');
      return { applicationId, municipality: a.municipality, serviceType: a.service_type };
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
