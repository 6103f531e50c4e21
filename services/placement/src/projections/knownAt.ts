import { sql } from 'kysely';

/** Rows as recorded by a time: the bitemporal filter of the tables that keep what we knew when (stays, capacity). */
export const knownBy = (alias: string, knownAt: string) =>
  sql`${sql.ref(`${alias}.recorded_at`)} <= ${knownAt}::timestamptz
    AND (${sql.ref(`${alias}.superseded_at`)} IS NULL OR ${sql.ref(`${alias}.superseded_at`)} > ${knownAt}::timestamptz)`;

/** A bitemporal table's rows as recorded by a time, or its current rows when no time is asked for. */
export const recordedBy = (alias: string, knownAt: string | undefined) =>
  knownAt === undefined ? sql`${sql.ref(`${alias}.superseded_at`)} IS NULL` : knownBy(alias, knownAt);

/**
 * A read model whose rows change in place (with its history kept by a trigger, see the migrations), as
 * a table to select from: the current rows, or (given `knownAt`) the versions current at that time.
 */
export const asKnown = (schema: string, table: 'waiting_list' | 'tasks' | 'attendance', knownAt?: string) =>
  knownAt === undefined
    ? sql`${sql.id(schema, table)}`
    : sql`(SELECT * FROM ${sql.id(schema, table)} c WHERE c.recorded_at <= ${knownAt}::timestamptz
        UNION ALL
        SELECT * FROM ${sql.id(schema, `${table}_history`)} h WHERE ${knownBy('h', knownAt)})`;
