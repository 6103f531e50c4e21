import { sql } from 'kysely';

// Steps that several of placement's migrations take. Applied migrations ran them as they are written
// here: a change of what they do needs a new function, never an edit of these.

/**
 * A read-model table whose rows change in place, known at any time: each row carries when it was
 * recorded, and a trigger keeps every version a later event replaced in `<table>_history`, with the
 * time it was replaced (a column added to the table must be added to its history too).
 */
export function versioned(schema: string, table: string) {
  const t = sql.id(schema, table);
  const history = sql.id(schema, `${table}_history`);
  const keep = sql.id(schema, `keep_${table}_version`);
  return [
    sql`ALTER TABLE ${t} ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT '-infinity',
      ADD COLUMN superseded_at timestamptz`,
    sql`CREATE TABLE ${history} (LIKE ${t})`,
    sql`CREATE FUNCTION ${keep}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        OLD.superseded_at := NEW.recorded_at;
        INSERT INTO ${history} SELECT OLD.*;
        RETURN NEW;
      END $fn$`,
    sql`CREATE TRIGGER ${sql.id(`${table}_versions`)} BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${keep}()`,
  ];
}

/**
 * Empties the read models and rewinds the projection, which fills them again from the log on start.
 * The checkpoint's lock first, as a live instance's batch takes it (ADR 10): the emptying waits for a
 * batch in flight, and the next batch finds the checkpoint rewound (never deleted) and replays.
 */
export function rebuildOnStart(schema: string, tables: string[]) {
  return [
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${schema}.checkpoint.projection:placement`}, 0))`,
    sql`TRUNCATE ${sql.join(tables.map((t) => sql.id(schema, t)))}`,
    sql`UPDATE ${sql.id(schema, 'checkpoints')} SET transaction_id = '0'::xid8, global_position = 0
      WHERE subscription = 'projection:placement'`,
  ];
}
