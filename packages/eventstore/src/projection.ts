import type { Db, Tx } from './database.js';
import type { EventStore } from './eventStore.js';
import { Subscription } from './subscription.js';
import type { RecordedEvent } from './types.js';

/** A read model: the events it reads, how each changes its rows, and how to empty it for a rebuild. */
export type Projection = {
  name: string;
  /** Event types it applies; others are skipped (still checkpointed). */
  handles: readonly string[];
  apply: (event: RecordedEvent, tx: Tx) => Promise<void>;
  reset: (tx: Tx) => Promise<void>;
};

/** Runs a projection over a log; `rebuild` empties it and replays from zero while the service stays up. */
export class ProjectionRunner {
  readonly subscription: Subscription;

  constructor(
    readonly projection: Projection,
    source: EventStore,
    private readonly target: { db: Db; schema: string } = { db: source.db, schema: source.schema },
    options: { batchSize?: number; pollMs?: number; onError?: (e: unknown) => void } = {},
  ) {
    const handled = new Set(projection.handles);
    this.subscription = new Subscription({
      name: `projection:${projection.name}`,
      source,
      target,
      ...options,
      handle: async (events, tx) => {
        for (const e of events) if (handled.has(e.type)) await projection.apply(e, tx);
      },
    });
  }

  async rebuild(): Promise<number> {
    await this.target.db.transaction().execute(async (tx) => {
      // lock the checkpoint so a running loop waits, then empty the model and rewind
      await this.subscription.checkpoints.read(tx, this.subscription.name, true);
      await this.projection.reset(tx);
      await this.subscription.checkpoints.reset(tx, this.subscription.name);
    });
    return this.subscription.catchUp();
  }
}
