import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The day each settlement was recorded (in Europe/Sofia), beside the day the money moved: a payment
 * recorded after its month's remittance was due is remitted with the next month's. Settlements kept
 * before are dated from the event that recorded them (its time, as the service's clock had it); a statement's own credit on the day it was issued.
 */
export const settlementsRecordedMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      sql`ALTER TABLE ${s}.settlements ADD COLUMN recorded_on date`,
      sql`UPDATE ${s}.settlements x SET recorded_on = ((e.metadata ->> 'time')::timestamptz AT TIME ZONE 'Europe/Sofia')::date
        FROM ${s}.events e
        WHERE x.kind IN ('payment', 'reversal') AND e.type IN ('PaymentRecorded', 'PaymentReversed')
          AND e.type = CASE x.kind WHEN 'payment' THEN 'PaymentRecorded' ELSE 'PaymentReversed' END
          AND e.data ->> 'paymentId' = x.source_id::text`,
      sql`UPDATE ${s}.settlements SET recorded_on = on_date WHERE recorded_on IS NULL`,
      sql`ALTER TABLE ${s}.settlements ALTER COLUMN recorded_on SET NOT NULL`,
      sql`CREATE INDEX settlements_by_recording ON ${s}.settlements (municipality, recorded_on)`,
    ])
      await statement.execute(db);
  },
});
