import { setTimeout as sleep } from 'node:timers/promises';
import { Checkpoints } from './checkpoints.js';
import type { Db, Tx } from './database.js';
import type { EventStore } from './eventStore.js';
import { positionOf, type RecordedEvent } from './types.js';

export type BatchHandler = (events: RecordedEvent[], tx: Tx) => Promise<void>;

export type SubscriptionOptions = {
  name: string;
  /** The log it follows. */
  source: EventStore;
  /** Where its checkpoint and effects live (the source's database, possibly another schema). */
  target: { db: Db; schema: string };
  handle: BatchHandler;
  /** Only these event types are read (and counted as lag); all when absent. */
  types?: readonly string[];
  batchSize?: number;
  pollMs?: number;
  onError?: (error: unknown) => void;
};

/**
 * Follows a global log with a checkpoint stored in the same transaction as the batch's effect, so a
 * crash anywhere before commit leaves neither effect nor checkpoint: the batch is simply handled again.
 */
export class Subscription {
  readonly name: string;
  readonly checkpoints: Checkpoints;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failures = 0;
  readonly #onAppend = () => this.#wake?.();

  constructor(private readonly o: SubscriptionOptions) {
    this.name = o.name;
    this.checkpoints = new Checkpoints(o.target.schema);
  }

  /** Handles at most one batch; returns how many events it handled. */
  async processBatch(): Promise<number> {
    return this.o.target.db.transaction().execute(async (tx) => {
      const at = await this.checkpoints.read(tx, this.name, true);
      const events = await this.o.source.readAll(at, {
        limit: this.o.batchSize ?? 500,
        executor: tx,
        ...(this.o.types ? { types: this.o.types } : {}),
      });
      if (events.length === 0) return 0;
      await this.o.handle(events, tx);
      await this.checkpoints.write(tx, this.name, positionOf(events[events.length - 1]!));
      return events.length;
    });
  }

  /** Processes until the log is drained (tests, rebuilds). */
  async catchUp(): Promise<number> {
    let total = 0;
    for (let n = await this.processBatch(); n > 0; n = await this.processBatch()) total += n;
    return total;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.o.source.notifications.on('appended', this.#onAppend);
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.o.source.notifications.off('appended', this.#onAppend);
    this.#wake?.();
    await this.#loop;
  }

  async lag(): Promise<number> {
    const at = await this.checkpoints.read(this.o.target.db, this.name);
    return this.o.source.countAfter(at, this.o.target.db, this.o.types);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let held = false;
      try {
        const n = await this.processBatch();
        this.#failures = 0;
        if (n > 0) continue;
        // committed events exist but an older open transaction (anywhere in the cluster) holds the
        // frontier: look again soon rather than after a full poll interval
        held = (await this.lag()) > 0;
      } catch (e) {
        this.#failures++;
        this.o.onError?.(e);
      }
      const backoff = this.#failures
        ? Math.min(30_000, 100 * 2 ** this.#failures)
        : held
          ? 25
          : (this.o.pollMs ?? 500);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        sleep(backoff).then(resolve);
      });
      this.#wake = undefined;
    }
  }
}
