import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Indexes in the order the payments list reads (newest recorded first), for a municipality's list and
 * for one client's, so a page is an index range rather than a sort of every payment.
 */
export const paymentListsMigration = (schema: string): Migration => ({
  async up(db) {
    const s = sql.id(schema);
    for (const statement of [
      sql`CREATE INDEX payments_listed ON ${s}.payments (municipality, recorded_at DESC, payment_id DESC)`,
      sql`CREATE INDEX payments_of_client ON ${s}.payments (client_id, recorded_at DESC, payment_id DESC)`,
    ])
      await statement.execute(db);
  },
});
