import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`ALTER TABLE ${sql.id(schema)}.client_directory ADD COLUMN died_on date, ADD COLUMN merged_into uuid`.execute(
    db,
  );
}
