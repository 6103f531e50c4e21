import type { Executor } from '@casework/eventstore';
import { sql } from 'kysely';

/** A rule set's reach: a municipal one, or the national default of a service type (municipality null). */
export type Scope = { serviceType: string; municipality: string | null };

/**
 * The determinations a rule-set version reaches: a national one those under the national rule set; a
 * municipal one everyone of that service type in the municipality (under its own rule set or the
 * national one).
 */
export const reachOf = (scope: Scope) =>
  scope.municipality
    ? sql`service_type = ${scope.serviceType} AND municipality = ${scope.municipality}`
    : sql`rule_set_id = ${`${scope.serviceType}:national`}`;

/** Re-evaluation jobs are split into this many ranges of client ids, so as many workers can share one. */
export const JOB_PARTS = 4;

export type CoveredRow = {
  client_id: string;
  service_type: string;
  municipality: string;
  application_id: string | null;
};

/** A CoveredRow from `determinations AS d`; ordering must name `d.client_id`, not this text. */
export const coveredColumns = sql`d.client_id::text AS client_id, service_type, municipality, application_id::text`;

/**
 * One page, in client order, of the determinations within reach after a client id, up to another
 * (inclusive) when given.
 */
export async function coveredPage(
  ex: Executor,
  schema: string,
  scope: Scope,
  range: { after?: string | null | undefined; until?: string | null | undefined },
  limit: number,
): Promise<CoveredRow[]> {
  // ordered by the uuid column, not its text in the select list, so the index serves the page
  const { rows } = await sql<CoveredRow>`
    SELECT ${coveredColumns} FROM ${sql.id(schema, 'determinations')} AS d
    WHERE ${reachOf(scope)} ${range.after ? sql`AND d.client_id > ${range.after}::uuid` : sql``}
      ${range.until ? sql`AND d.client_id <= ${range.until}::uuid` : sql``}
    ORDER BY d.client_id LIMIT ${limit}`.execute(ex);
  return rows;
}
