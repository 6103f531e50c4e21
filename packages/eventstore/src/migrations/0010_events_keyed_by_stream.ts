import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const eventsKeyedByStream = (schema: string): Migration => {
  const s = sql.id(schema);
  return {
    async up(db) {
      // every read of the log goes by commit order (transaction_id, global_position) and every read of a
      // stream by (stream_id, stream_position): an index on global_position alone served no query and
      // cost each appended event one more index entry (0011 makes commit order the unique key). The
      // stream key identifies a row for logical replication
      await sql`ALTER TABLE ${s}.events DROP CONSTRAINT events_pkey`.execute(db);
      await sql`ALTER TABLE ${s}.events REPLICA IDENTITY USING INDEX events_stream_id_stream_position_key`.execute(
        db,
      );
    },
  };
};
