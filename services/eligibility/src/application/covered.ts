import type { Executor } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/** A rule set's reach: a municipal one, or the national default of a service type (municipality null). */
export type Scope = { serviceType: string; municipality: string | null };

/** Re-evaluation jobs are split into this many parts, so as many workers can share one. */
export const JOB_PARTS = 4;

/** The clients of one part: those whose id's last byte leaves this remainder (random in v4 and v7 ids). */
export type Part = { part: number; parts: number };

export type CoveredRow = {
  client_id: string;
  service_type: string;
  municipality: string;
  application_id: string | null;
};

/**
 * One page, in client order, of the current determinations a rule-set version reaches: a national one
 * those under the national rule set; a municipal one everyone of that service type in the municipality
 * (under its own rule set or the national one).
 */
export async function coveredPage(
  ctx: ServiceContext,
  ex: Executor,
  scope: Scope,
  after: string | null | undefined,
  limit: number,
  part: Part = { part: 0, parts: 1 },
): Promise<CoveredRow[]> {
  const where = scope.municipality
    ? sql`service_type = ${scope.serviceType} AND municipality = ${scope.municipality}`
    : sql`rule_set_id = ${`${scope.serviceType}:national`}`;
  // ordered by the uuid column, not its text in the select list, so the index serves the page
  const { rows } = await sql<CoveredRow>`
    SELECT d.client_id::text AS client_id, service_type, municipality, application_id::text
    FROM ${sql.id(ctx.store.schema, 'determinations')} AS d
    WHERE ${where} ${after ? sql`AND d.client_id > ${after}::uuid` : sql``}
      ${part.parts > 1 ? sql`AND get_byte(uuid_send(d.client_id), 15) % ${part.parts}::int = ${part.part}::int` : sql``}
    ORDER BY d.client_id LIMIT ${limit}`.execute(ex);
  return rows;
}
