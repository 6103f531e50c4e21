import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`CREATE TABLE ${sql.id(schema)}.client_directory (
    client_id uuid PRIMARY KEY,
    birth_date date NOT NULL,
    sex text NOT NULL,
    municipality text NOT NULL,
    registered_on date NOT NULL,
    source_event_id uuid NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX client_directory_municipality ON ${sql.id(schema)}.client_directory (municipality)`.execute(
    db,
  );
}
