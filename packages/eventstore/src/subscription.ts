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
  /**
   * After a partial batch of several events, how long to let events gather before reading again
   * (default 100 ms): under load this turns one read per append into one read per interval, for every
   * subscription; a lone event is followed at once.
   */
  gatherMs?: number;
  onError?: (error: unknown) => void;
};

/**
 * How long a follower of the log (a subscription, a relay) pauses after a partial batch of `n` events;
 * undefined: until the next append or poll. Several events at once mean appends outpace the reads, so
 * the next batch may gather (one read per interval, not per append); a single one (a person at a
 * keyboard) is followed at once, and an append that came in meanwhile is read almost at once.
 */
export function pauseAfter(n: number, appendedMeanwhile: boolean, gatherMs: number): number | undefined {
  if (n > 1) return gatherMs;
  return appendedMeanwhile ? 5 : undefined;
}

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
  /** An append in this process since the current batch began (its commit may still be in flight). */
  #appended = false;
  readonly #onAppend = () => {
    this.#appended = true;
    this.#wake?.();
  };

  constructor(private readonly o: SubscriptionOptions) {
    this.name = o.name;
    this.checkpoints = new Checkpoints(o.target.schema);
  }

  /** Handles at most one batch (of `limit` events, else the subscription's size); returns how many. */
  async processBatch(limit = this.o.batchSize ?? 500): Promise<number> {
    return this.o.target.db.transaction().execute(async (tx) => {
      const at = await this.checkpoints.read(tx, this.name, true);
      const events = await this.o.source.readAll(at, {
        limit,
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
  async catchUp(batchSize?: number): Promise<number> {
    let total = 0;
    for (let n = await this.processBatch(batchSize); n > 0; n = await this.processBatch(batchSize))
      total += n;
    return total;
  }

  get running(): boolean {
    return this.#running;
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
    const gatherMs = this.o.gatherMs ?? 100;
    while (this.#running) {
      this.#appended = false;
      let n = 0;
      let held = false;
      try {
        n = await this.processBatch();
        this.#failures = 0;
        if (n >= (this.o.batchSize ?? 500)) continue; // more is waiting
        // nothing readable though no append is in flight here: an older open transaction (anywhere in
        // the cluster) may hold the frontier; look again soon rather than after a full poll interval
        if (n === 0 && !this.#appended) held = (await this.lag()) > 0;
      } catch (e) {
        this.#failures++;
        this.o.onError?.(e);
      }
      const pause = pauseAfter(n, this.#appended, gatherMs);
      if (this.#failures) await this.#idle(Math.min(30_000, 100 * 2 ** this.#failures));
      else if (pause !== undefined) await sleep(pause);
      else await this.#idle(held ? 25 : (this.o.pollMs ?? 500));
    }
  }

  /** Sleeps until the next local append or `ms`, whichever comes first. */
  async #idle(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      sleep(ms).then(resolve);
    });
    this.#wake = undefined;
  }
}
