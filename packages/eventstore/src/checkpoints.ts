import { sql } from 'kysely';
import type { Executor } from './database.js';
import { type Position, START } from './types.js';

/** Checkpoints live in the service schema and are written in the same transaction as their effect. */
export class Checkpoints {
  constructor(private readonly schema: string) {}

  /** Reads a checkpoint; `lock` takes the row for the rest of the transaction (one processor at a time). */
  async read(ex: Executor, subscription: string, lock = false): Promise<Position> {
    const s = sql.id(this.schema);
    if (lock) {
      await sql`INSERT INTO ${s}.checkpoints (subscription, transaction_id, global_position)
        VALUES (${subscription}, '0'::xid8, 0) ON CONFLICT DO NOTHING`.execute(ex);
    }
    const { rows } = await sql<{
      t: string;
      g: string;
    }>`SELECT transaction_id::text AS t, global_position::text AS g
      FROM ${s}.checkpoints WHERE subscription = ${subscription} ${lock ? sql`FOR UPDATE` : sql``}`.execute(
      ex,
    );
    return rows[0] ? { transactionId: rows[0].t, globalPosition: rows[0].g } : START;
  }

  async write(ex: Executor, subscription: string, p: Position): Promise<void> {
    await sql`INSERT INTO ${sql.id(this.schema)}.checkpoints (subscription, transaction_id, global_position)
      VALUES (${subscription}, ${p.transactionId}::xid8, ${p.globalPosition}::bigint)
      ON CONFLICT (subscription) DO UPDATE SET transaction_id = excluded.transaction_id,
        global_position = excluded.global_position, updated_at = now()`.execute(ex);
  }

  async reset(ex: Executor, subscription: string): Promise<void> {
    await sql`DELETE FROM ${sql.id(this.schema)}.checkpoints WHERE subscription = ${subscription}`.execute(
      ex,
    );
  }
}
