import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const streamsUpdatedInPlace = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // every append moves its stream's version: with room left in each page the new row stays beside
      // the old (a heap-only update, no index entry, the old row pruned in place) instead of adding an
      // entry to the stream index each time. Pages written from now on keep the room
      await sql`ALTER TABLE ${s}.streams SET (fillfactor = 80)`.execute(db);
    },
  };
};
