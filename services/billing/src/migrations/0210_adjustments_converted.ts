import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * An adjustment says when it rests on a BGN amount converted, as its month's lines do. Adjustments
 * recorded before read as not converted until the statements projection is rebuilt from the log, whose
 * events say it where it was so (`convertedFromBgn`).
 */
export const adjustmentsConvertedMigration = (schema: string): Migration => ({
  async up(db) {
    await sql`ALTER TABLE ${sql.id(schema, 'adjustments')}
      ADD COLUMN converted_from_bgn boolean NOT NULL DEFAULT false`.execute(db);
  },
});
