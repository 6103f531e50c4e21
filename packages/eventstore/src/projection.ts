import { type RawBuilder, sql } from 'kysely';
import type { Db, Tx } from './database.js';
import type { EventStore } from './eventStore.js';
import { Subscription } from './subscription.js';
import { comparePositions, positionOf, type RecordedEvent, START } from './types.js';

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

/** Applies events to a projection, one by one or as a batch, in the caller's transaction. */
export async function applyTo(projection: Projection, events: RecordedEvent[], tx: Tx): Promise<void> {
  if (events.length === 0) return;
  if (projection.applyBatch) await projection.applyBatch(events, tx);
  else for (const e of events) await projection.apply(e, tx);
}

/**
 * Runs a projection over a log; `rebuild` empties it and replays from zero while the service stays up.
 * A projection of a group (ProjectionGroup) runs here only while it is behind the group's batches: after
 * a rebuild, or when it is new, it catches up on its own and then rejoins the group.
 */
export class ProjectionRunner {
  readonly subscription: Subscription;
  readonly #rebuildBatchSize: number;
  readonly #group: string | undefined;

  constructor(
    readonly projection: Projection,
    private readonly source: EventStore,
    private readonly target: { db: Db; schema: string } = { db: source.db, schema: source.schema },
    {
      rebuildBatchSize = 2000,
      group,
      ...options
    }: {
      batchSize?: number;
      /** Events per transaction when replaying from zero (default 2,000): fewer, larger batches. */
      rebuildBatchSize?: number;
      /** The checkpoint of the group whose batches apply this projection once it has caught up. */
      group?: string;
      pollMs?: number;
      leaseMs?: number;
      onError?: (e: unknown) => void;
    } = {},
  ) {
    this.#rebuildBatchSize = rebuildBatchSize;
    this.#group = group;
    this.subscription = new Subscription({
      name: projectionCheckpoint(projection.name),
      source,
      target,
      ...options,
      types: projection.handles,
      ...(projection.readInPlace ? { withoutData: projection.readInPlace } : {}),
      handle: (events, tx) => applyTo(projection, events, tx),
    });
  }

  /**
   * Empties the model and replays it from zero, safe while live instances run: in one transaction it
   * waits for any batch in flight, empties the tables, rewinds the checkpoint and takes its lease; it
   * then replays as the lease holder while every live instance stands by (a group's batches pass it
   * by), rejoins its group, and hands the lease back.
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
      const replayed = await this.subscription.catchUp(this.#rebuildBatchSize);
      return replayed + (this.#group ? await this.rejoin(this.#group) : 0);
    } finally {
      if (running) this.subscription.start();
      else await this.subscription.release();
    }
  }

  /**
   * Hands the projection, caught up on its own, back to its group: with the group's batches held off
   * (its checkpoint lock), applies what the group has passed since and stands the projection's
   * checkpoint where the group's is, lease released. Returns the events applied; none when the
   * projection is not behind the group.
   */
  async rejoin(group: string): Promise<number> {
    const checkpoints = this.subscription.checkpoints;
    const name = this.subscription.name;
    return this.target.db.transaction().execute(async (tx) => {
      // the group's lock before the projection's, as a group batch takes them: no lock-order inversion
      await checkpoints.lock(tx, group);
      await checkpoints.lock(tx, name);
      const through = await checkpoints.read(tx, group);
      const from = await checkpoints.read(tx, name);
      // ahead of the group (it caught up past the group's last batch): the group passes it by until level
      if (comparePositions(from, through) >= 0) {
        await checkpoints.write(tx, name, from, { holder: null, ms: 0 });
        return 0;
      }
      let at = from;
      let applied = 0;
      while (comparePositions(at, through) < 0) {
        const page = await this.source.readLog(at, {
          limit: this.#rebuildBatchSize,
          types: this.projection.handles,
          ...(this.projection.readInPlace ? { withoutData: this.projection.readInPlace } : {}),
        });
        const mine = page.events.filter((e) => comparePositions(positionOf(e), through) <= 0);
        await applyTo(this.projection, mine, tx);
        applied += mine.length;
        // the group's position was committed below the frontier: the log reads up to it, never short
        if (comparePositions(page.through, at) <= 0)
          throw new Error(`${name}: the log stops short of ${group}`);
        at = page.through;
      }
      await checkpoints.write(tx, name, through, { holder: null, ms: 0 });
      return applied;
    });
  }
}
