import { sql } from 'kysely';
import type { Executor, Tx } from './database.js';
import { type Position, START } from './types.js';

/** A checkpoint with its lease: which follower instance is the active one, and until when. */
export type CheckpointRow = Position & { holder: string | null; leased: boolean };

/**
 * Checkpoints live in the service schema and are written in the same transaction as their effect.
 * Each also carries a lease (holder, lease_until): of all instances following one log under one name,
 * only the holder works; the others stand by until the lease runs out (a killed holder) or is released.
 */
export class Checkpoints {
  constructor(private readonly schema: string) {}

  private get s() {
    return sql.id(this.schema);
  }

  /**
   * Serialises the followers of one checkpoint for the rest of the transaction. An advisory lock, not a
   * row lock: it assigns no transaction id, so a follower's batch does not hold back the safe frontier
   * until it writes, and a try-lock never waits, so it cannot take part in a deadlock.
   */
  async tryLock(tx: Tx, subscription: string): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(
      hashtextextended(${`${this.schema}.checkpoint.${subscription}`}, 0)) AS locked`.execute(tx);
    return rows[0]?.locked === true;
  }

  /** As tryLock, but waits for the current batch to end (a rebuild, which holds nothing yet). */
  async lock(tx: Tx, subscription: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${this.schema}.checkpoint.${subscription}`}, 0))`.execute(
      tx,
    );
  }

  /** Reads a checkpoint (START when there is none yet). */
  async read(ex: Executor, subscription: string): Promise<Position> {
    const row = await this.readRow(ex, subscription);
    return { transactionId: row.transactionId, globalPosition: row.globalPosition };
  }

  async readRow(ex: Executor, subscription: string): Promise<CheckpointRow> {
    const { rows } = await sql<{
      t: string;
      g: string;
      holder: string | null;
      leased: boolean;
    }>`SELECT transaction_id::text AS t, global_position::text AS g, holder,
        coalesce(lease_until > clock_timestamp(), false) AS leased
      FROM ${this.s}.checkpoints WHERE subscription = ${subscription}`.execute(ex);
    const r = rows[0];
    return r
      ? { transactionId: r.t, globalPosition: r.g, holder: r.holder, leased: r.leased }
      : { ...START, holder: null, leased: false };
  }

  /** Several checkpoints at once: those written so far (absent ones stand at START). */
  async readMany(ex: Executor, subscriptions: readonly string[]): Promise<Map<string, CheckpointRow>> {
    const { rows } = await sql<{
      subscription: string;
      t: string;
      g: string;
      holder: string | null;
      leased: boolean;
    }>`SELECT subscription, transaction_id::text AS t, global_position::text AS g, holder,
        coalesce(lease_until > clock_timestamp(), false) AS leased
      FROM ${this.s}.checkpoints WHERE subscription = ANY(${subscriptions}::text[])`.execute(ex);
    return new Map(
      rows.map((r) => [
        r.subscription,
        { transactionId: r.t, globalPosition: r.g, holder: r.holder, leased: r.leased },
      ]),
    );
  }

  /** Moves several checkpoints in one statement, their leases left as they are. */
  async moveMany(ex: Executor, moves: readonly { subscription: string; to: Position }[]): Promise<void> {
    if (moves.length === 0) return;
    await sql`INSERT INTO ${this.s}.checkpoints (subscription, transaction_id, global_position)
      SELECT * FROM unnest(${moves.map((m) => m.subscription)}::text[],
        ${moves.map((m) => m.to.transactionId)}::xid8[], ${moves.map((m) => m.to.globalPosition)}::bigint[])
      ON CONFLICT (subscription) DO UPDATE SET transaction_id = excluded.transaction_id,
        global_position = excluded.global_position, updated_at = now()`.execute(ex);
  }

  /** Moves a checkpoint (and, with a holder, renews that holder's lease for `leaseMs`). */
  async write(
    ex: Executor,
    subscription: string,
    p: Position,
    lease?: { holder: string | null; ms: number },
  ): Promise<void> {
    const holder = lease?.holder ?? null;
    // the lease runs from the write, not from the transaction's start (now()): a long batch would
    // otherwise commit a lease already run out
    const until = lease
      ? sql`clock_timestamp() + make_interval(secs => ${lease.ms / 1000})`
      : sql`NULL::timestamptz`;
    await sql`INSERT INTO ${this.s}.checkpoints (subscription, transaction_id, global_position, holder, lease_until)
      VALUES (${subscription}, ${p.transactionId}::xid8, ${p.globalPosition}::bigint, ${holder}, ${until})
      ON CONFLICT (subscription) DO UPDATE SET transaction_id = excluded.transaction_id,
        global_position = excluded.global_position, updated_at = now()
        ${lease ? sql`, holder = excluded.holder, lease_until = excluded.lease_until` : sql``}`.execute(ex);
  }

  /** Gives a lease up, so a standby takes over at once instead of after it runs out. */
  async release(ex: Executor, subscription: string, holder: string): Promise<void> {
    await sql`UPDATE ${this.s}.checkpoints SET holder = NULL, lease_until = NULL
      WHERE subscription = ${subscription} AND holder = ${holder}`.execute(ex);
  }
}
