import type { Executor } from '@casework/eventstore';
import { type RawBuilder, sql } from 'kysely';
import { eligibilityStream } from '../domain/streams.js';

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

type Range = { after?: string | null | undefined; until?: string | null | undefined };

/**
 * One page, in client order, of the determinations within reach after a client id, up to another
 * (inclusive) when given.
 */
export async function coveredPage(
  ex: Executor,
  schema: string,
  scope: Scope,
  range: Range,
  limit: number,
): Promise<CoveredRow[]> {
  return page<CoveredRow>(ex, schema, scope, range, limit, coveredColumns);
}

/**
 * A covered row with what its determination concludes (`answer`, a digest) and whether the row is as
 * current as the client's stream (it may lag behind a determination just recorded).
 */
export type AnsweredRow = CoveredRow & { answer: string | null; valid_until: string; current: boolean };

/** A page of coveredPage with each determination's answer. */
export async function answeredPage(
  ex: Executor,
  schema: string,
  scope: Scope,
  range: Range,
  limit: number,
): Promise<AnsweredRow[]> {
  return page<AnsweredRow>(
    ex,
    schema,
    scope,
    range,
    limit,
    sql`${coveredColumns}, d.answer, d.valid_until::text,
      coalesce(d.stream_version = (SELECT version FROM ${sql.id(schema, 'streams')}
        WHERE stream_id = ${eligibilityStream('')} || d.client_id::text), false) AS current`,
  );
}

async function page<R>(
  ex: Executor,
  schema: string,
  scope: Scope,
  range: Range,
  limit: number,
  columns: RawBuilder<unknown>,
): Promise<R[]> {
  // ordered by the uuid column, not its text in the select list, so the index serves the page
  const { rows } = await sql<R>`
    SELECT ${columns} FROM ${sql.id(schema, 'determinations')} AS d
    WHERE ${reachOf(scope)} ${range.after ? sql`AND d.client_id > ${range.after}::uuid` : sql``}
      ${range.until ? sql`AND d.client_id <= ${range.until}::uuid` : sql``}
    ORDER BY d.client_id LIMIT ${limit}`.execute(ex);
  return rows;
}
