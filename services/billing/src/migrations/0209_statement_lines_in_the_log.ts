import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A statement's lines stay where the run wrote them, in its MonthAssessed event, and the statement row
 * points to that event: a copy of them in a table of its own (`assessments`) doubled the largest part
 * of every run's writes and of every rebuild. The statements projection's read models are emptied and
 * its checkpoint rewound, so it fills them again from the log on start, each statement finding its
 * event as the projection does: a backfill here would be one transaction over every statement and the
 * whole log, holding back every reader of the database's logs while it ran. The checkpoint's lock
 * first, as a live batch takes it (ADR 10): the emptying waits for a batch in flight.
 */
export const statementLinesInTheLogMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${schema}.checkpoint.projection:statements`}, 0))`,
      sql`DROP TABLE ${s}.assessments`,
      sql`TRUNCATE ${s}.statements, ${s}.adjustments, ${s}.periods, ${s}.payments, ${s}.settlements,
        ${s}.bank_imports, ${s}.bank_lines, ${s}.arrears`,
      sql`ALTER TABLE ${s}.statements ADD COLUMN assessment_event uuid NOT NULL`,
      sql`UPDATE ${s}.checkpoints SET transaction_id = '0'::xid8, global_position = 0
        WHERE subscription = 'projection:statements'`,
    ])
      await statement.execute(db);
  },
});
