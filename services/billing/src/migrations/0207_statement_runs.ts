import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Statement runs asked for to run in the background (`Prefer: respond-async`): queued, taken by one
 * instance under a lease (a killed instance's run is taken again once its lease ends, and a run states
 * no month twice), with their progress and outcome. One run at a time per municipality and month.
 */
export const statementRunsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    await sql`CREATE TABLE ${s}.statement_runs (
      run_id uuid PRIMARY KEY,
      municipality text NOT NULL,
      month text NOT NULL,
      requested_on date NOT NULL,
      cause jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
      attempts int NOT NULL DEFAULT 0,
      not_before timestamptz NOT NULL DEFAULT now(),
      holder text,
      lease_until timestamptz,
      clients int,
      done int,
      result jsonb,
      problem jsonb,
      requested_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
    await sql`CREATE UNIQUE INDEX statement_runs_one_at_a_time ON ${s}.statement_runs (municipality, month)
      WHERE status IN ('queued', 'running')`.execute(db);
    await sql`CREATE INDEX statement_runs_waiting ON ${s}.statement_runs (not_before)
      WHERE status IN ('queued', 'running')`.execute(db);
  },
});
