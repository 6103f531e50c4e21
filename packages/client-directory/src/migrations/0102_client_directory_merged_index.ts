import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`CREATE INDEX client_directory_merged ON ${sql.id(schema)}.client_directory (merged_into)
    WHERE merged_into IS NOT NULL`.execute(db);
}
