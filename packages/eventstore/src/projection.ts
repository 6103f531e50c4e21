import { type RawBuilder, sql } from 'kysely';
import type { Db, Tx } from './database.js';
import type { EventStore } from './eventStore.js';
import { Subscription } from './subscription.js';
import { type RecordedEvent, START } from './types.js';

/**
 * A read model: the events it reads, how they change its rows, and how to empty it for a rebuild. It
 * applies events one by one (`apply`) or a whole batch, in log order, in a few statements (`applyBatch`:
 * what a projection over hundreds of thousands of events needs to rebuild in reasonable time).
 */
export type Projection = {
  name: string;
  /** Event types it applies: the only ones it reads from the log. */
  handles: readonly string[];
  /**
   * Of those, the types it reads in place, by event id, in its own SQL (`e.data` is null for them): their
   * data is neither sent from the log nor parsed, only to be sent back.
   */
  readInPlace?: readonly string[];
  reset: (tx: Tx) => Promise<void>;
} & (
  | { apply: (event: RecordedEvent, tx: Tx) => Promise<void>; applyBatch?: never }
  | { applyBatch: (events: RecordedEvent[], tx: Tx) => Promise<void>; apply?: never }
);

/** The checkpoint a projection's runner keeps its position under. */
export const projectionCheckpoint = (name: string): string => `projection:${name}`;

/**
 * SQL, true while an event the projection handles, of those `where` picks (over `e`, the log of the
 * store in `schema`, where the projection keeps its checkpoint too), is committed and not yet applied:
 * a reader that must not miss it waits instead. Looked up in commit order from the checkpoint (the
 * log's index from there, bounded by `where` where it bounds `e.transaction_id`), not over the log.
 */
export const stillToProject = (schema: string, projection: Projection, where: RawBuilder<unknown>) =>
  sql<boolean>`(SELECT 1 FROM (SELECT coalesce(max(transaction_id), '0'::xid8) AS transaction_id,
        coalesce(max(global_position), 0) AS global_position
      FROM ${sql.id(schema, 'checkpoints')} WHERE subscription = ${projectionCheckpoint(projection.name)}) AS c
    JOIN ${sql.id(schema, 'events')} AS e
      ON (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
    WHERE e.type = ANY(${[...projection.handles]}::text[]) AND ${where}
    ORDER BY e.transaction_id, e.global_position LIMIT 1) IS NOT NULL`;

/** Runs a projection over a log; `rebuild` empties it and replays from zero while the service stays up. */
export class ProjectionRunner {
  readonly subscription: Subscription;
  readonly #rebuildBatchSize: number;

  constructor(
    readonly projection: Projection,
    source: EventStore,
    private readonly target: { db: Db; schema: string } = { db: source.db, schema: source.schema },
    {
      rebuildBatchSize = 2000,
      ...options
    }: {
      batchSize?: number;
      /** Events per transaction when replaying from zero (default 2,000): fewer, larger batches. */
      rebuildBatchSize?: number;
      pollMs?: number;
      leaseMs?: number;
      onError?: (e: unknown) => void;
    } = {},
  ) {
    this.#rebuildBatchSize = rebuildBatchSize;
    this.subscription = new Subscription({
      name: projectionCheckpoint(projection.name),
      source,
      target,
      ...options,
      types: projection.handles,
      ...(projection.readInPlace ? { withoutData: projection.readInPlace } : {}),
      handle: async (events, tx) => {
        if (projection.applyBatch) await projection.applyBatch(events, tx);
        else for (const e of events) await projection.apply(e, tx);
      },
    });
  }

  /**
   * Empties the model and replays it from zero, safe while live instances run: in one transaction it
   * waits for any batch in flight, empties the tables, rewinds the checkpoint and takes its lease; it
   * then replays as the lease holder while every live instance stands by, and hands the lease back.
   */
  async rebuild(): Promise<number> {
    const running = this.subscription.running;
    if (running) await this.subscription.stop();
    try {
      await this.target.db.transaction().execute(async (tx) => {
        // the checkpoint lock first, as every live batch takes it first: no lock-order inversion
        await this.subscription.takeOver(tx, START);
        await this.projection.reset(tx);
      });
      return await this.subscription.catchUp(this.#rebuildBatchSize);
    } finally {
      if (running) this.subscription.start();
      else await this.subscription.release();
    }
  }
}
