import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const reevaluationAnswersMigration = (schema: string): Migration => ({
  async up(db) {
    const t = sql.id(schema, 'reevaluations');
    // a job records a new determination only where the new rules answer differently (jobs before
    // this recorded one for every determination they evaluated); it tells so from the answer's digest
    // in the determinations table, when the row is as current as the client's stream (rows of before
    // have neither, and are decided from the stream)
    for (const statement of [
      sql`ALTER TABLE ${sql.id(schema, 'determinations')} ADD COLUMN answer text,
        ADD COLUMN stream_version bigint NOT NULL DEFAULT 0`,
      // a job waits for every transaction with an earlier id than the one scheduling it (see the projection)
      sql`ALTER TABLE ${t} ADD COLUMN hold_until xid8`,
      sql`ALTER TABLE ${t} ADD COLUMN recorded bigint`,
      sql`UPDATE ${t} SET recorded = evaluated`,
      sql`ALTER TABLE ${t} ALTER COLUMN recorded SET NOT NULL, ALTER COLUMN recorded SET DEFAULT 0`,
    ])
      await statement.execute(db);
  },
});
