import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A statement's lines stay where the run wrote them, in its MonthAssessed event, and the statement row
 * points to that event: a copy of them in a table of its own (`assessments`) doubled the largest part
 * of every run's writes and of every rebuild. Statements already projected find their event by its
 * statement id; a statement without one stops the migration (the log is the record of every statement).
 */
export const statementLinesInTheLogMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    await sql`ALTER TABLE ${s}.statements ADD COLUMN assessment_event uuid`.execute(db);
    await sql`UPDATE ${s}.statements st SET assessment_event = m.event_id
      FROM ${s}.events m
      WHERE m.type = 'MonthAssessed' AND (m.data ->> 'statementId')::uuid = st.statement_id`.execute(db);
    await sql`ALTER TABLE ${s}.statements ALTER COLUMN assessment_event SET NOT NULL`.execute(db);
    await sql`DROP TABLE ${s}.assessments`.execute(db);
  },
});
