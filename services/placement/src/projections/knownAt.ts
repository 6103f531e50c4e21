import { sql } from 'kysely';

/** Rows as recorded by a time: the bitemporal filter of the ledger tables. */
export const knownBy = (alias: string, knownAt: string) =>
  sql`${sql.ref(`${alias}.recorded_at`)} <= ${knownAt}::timestamptz
    AND (${sql.ref(`${alias}.superseded_at`)} IS NULL OR ${sql.ref(`${alias}.superseded_at`)} > ${knownAt}::timestamptz)`;

/**
 * The waiting-list entries as recorded by a time, as a table to select from: the current rows, or
 * (given `knownAt`) the versions that were current then, from the table and its history.
 */
export const waitingListAsKnown = (schema: string, knownAt?: string) =>
  knownAt === undefined
    ? sql`${sql.id(schema, 'waiting_list')}`
    : sql`(SELECT * FROM ${sql.id(schema, 'waiting_list')} w WHERE w.recorded_at <= ${knownAt}::timestamptz
        UNION ALL
        SELECT * FROM ${sql.id(schema, 'waiting_list_history')} h WHERE ${knownBy('h', knownAt)})`;
