import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Checkpoints } from './checkpoints.js';
import type { Db, Tx } from './database.js';
import { isTransient } from './errors.js';
import type { Position } from './types.js';

/** What a follower read past its checkpoint, and how far its checkpoint may move if all are handled. */
export type Batch<I> = {
  items: I[];
  through: Position;
  /** Nothing could be read, though more is committed past `through` (held back by the frontier). */
  held?: boolean;
};

/** A log a follower follows: the global log of an event store, or a JetStream stream. */
export type FollowerSource<I> = {
  /** Items after `after`; read outside the batch's transaction (the transaction re-checks `after`). */
  read(after: Position, limit: number): Promise<Batch<I>>;
  /** The checkpoint that covers an item and everything before it. */
  positionOf(item: I): Position;
  /** The checkpoint moved elsewhere (another instance, a rebuild): drop anything read ahead. */
  reposition?(to: Position): void;
  /** The batch through `p` committed (a feed may acknowledge it upstream and drop it). */
  committed?(p: Position): void;
  /** This instance stands by: stop reading ahead. */
  standby?(): void;
  /** Calls `wake` when there may be something new to read; returns how to stop listening. */
  subscribe?(wake: () => void): () => void;
  /**
   * Reads are plain queries (no state in the source): after a full batch the follower reads the next
   * one while it handles this one, and uses it if the checkpoint then stands where that read began.
   */
  readAhead?: boolean;
};

/**
 * What a handler did with a batch, in the batch's transaction. `undefined`: all applied. Otherwise the
 * first `applied` items took effect and the next one failed (its own effect already rolled back).
 */
export type HandleResult = undefined | { applied: number; error: unknown };

export type FollowerPolicy<I> = {
  /** Attempts at one item before `giveUp`; unlimited when absent (the item is retried until it passes). */
  maxAttempts?: number;
  /** Records an item given up on (a dead letter), in the transaction that moves past it. */
  giveUp?: (item: I, error: unknown, attempts: number, tx: Tx) => Promise<void>;
  /** Wait before the n-th retry of a failed item or batch (1-based). */
  backoffMs?: (attempt: number) => number;
};

export type FollowerOptions<I> = {
  /** Checkpoint name, unique in its schema. */
  name: string;
  source: FollowerSource<I>;
  /** Where the checkpoint and the effects live. */
  target: { db: Db; schema: string };
  /**
   * Applies a batch in its transaction; `span` is where the checkpoint stood (`from`) and where it moves
   * to if every item takes effect (`through`).
   */
  handle: (items: I[], tx: Tx, span: { from: Position; through: Position }) => Promise<HandleResult>;
  /**
   * Call `handle` also when the checkpoint moves past nothing it reads (an empty batch): a handler that
   * keeps positions of its own moves them with the follower's.
   */
  handleEmpty?: boolean;
  policy?: FollowerPolicy<I>;
  batchSize?: number;
  /** Longest sleep between reads when nothing wakes the follower. */
  pollMs?: number;
  /**
   * After a partial batch of several items, how long to let more gather before reading again (default
   * 100 ms): under load, one read per interval instead of one per append; a lone item is followed at once.
   */
  gatherMs?: number;
  /** How long a lease lasts unrenewed: the longest a killed instance's work waits for a standby. */
  leaseMs?: number;
  onError?: (error: unknown, context: { attempts: number; transient: boolean }) => void;
};

/**
 * How long a follower pauses after a partial batch of `n` items; undefined: until the next wake-up or
 * poll. Several items at once mean appends outpace the reads, so the next batch may gather; a single
 * one (a person at a keyboard) is followed at once.
 */
export function pauseAfter(n: number, wokenMeanwhile: boolean, gatherMs: number): number | undefined {
  if (n > 1) return gatherMs;
  return wokenMeanwhile ? 5 : undefined;
}

const samePosition = (a: Position, b: Position) =>
  a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;

/** The outcome of one step: items handled, or why none were. */
type Step = number | 'standby' | 'busy' | 'moved' | 'failed' | 'held';

/**
 * The one loop that follows a log: the relay, every projection and both consumer transports run on it.
 *
 * - **One active instance per checkpoint**: the instance holding the checkpoint's lease works; the
 *   others stand by and take over when the lease runs out or is released.
 * - **Fenced**: each batch is read past the checkpoint this instance last saw, and applied only if the
 *   checkpoint, locked in the batch's transaction, still says so; the effect and the new checkpoint
 *   commit together, so a crash anywhere leaves neither.
 * - **Stop the line**: a failing item stops the follower there; the items before it commit, and it is
 *   retried in place with backoff, holding back everything after it. Transient failures (a lost
 *   connection, a deadlock) are retried without limit; others, after `maxAttempts`, are given up on
 *   (`giveUp`, a dead letter) in the transaction that moves past them.
 */
export class Follower<I> {
  readonly name: string;
  readonly checkpoints: Checkpoints;
  /** This instance's name in leases: host, process and a random part (two followers in one process). */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #woken = false;
  #unsubscribe: (() => void) | undefined;
  /** The checkpoint as this instance last committed or saw it; re-read when the fence says it moved. */
  #at: Position | undefined;
  /**
   * Where to read from: past #at when pages came back empty but moved past rows of other types
   * (a filtered reader); that move is written with the next batch or lease renewal, not once per read.
   */
  #readFrom: Position | undefined;
  #failures = 0;
  /** Attempts at the item at the head of the line (by its position). */
  #attempts = { at: '', n: 0 };
  /** After a batch failed as a whole, read one item at a time until it passes, to find the culprit. */
  #isolate = false;
  #renewedAt = 0;
  /** Another instance held the lease at the last look: check it before reading anything. */
  #standingBy = true;
  /** The next batch, being read while this one is handled (sources that allow it). */
  #ahead: { from: Position; limit: number; batch: Promise<Batch<I> | undefined> } | undefined;

  constructor(private readonly o: FollowerOptions<I>) {
    this.name = o.name;
    this.checkpoints = new Checkpoints(o.target.schema);
  }

  get running(): boolean {
    return this.#running;
  }

  get #leaseMs() {
    return this.o.leaseMs ?? 5000;
  }

  /** Handles at most one batch; returns how many items took effect (0 when standing by or idle). */
  async processBatch(limit?: number): Promise<number> {
    const step = await this.#step(limit);
    if (step === 'failed') throw this.#lastError;
    return typeof step === 'number' ? step : 0;
  }

  #lastError: unknown;

  /**
   * Processes until nothing is left to read (tests, rebuilds). Stops at a failing item (throws), and
   * when another instance holds the lease. Events held back by the frontier are waited for a moment: a
   * rebuild that returned before them would report a model it has not finished.
   */
  async catchUp(batchSize?: number): Promise<number> {
    let total = 0;
    // a writer's transaction lasts milliseconds; one left open (a test's, an operator's) is not waited
    // for past a second
    for (let waits = 0; ; ) {
      const step = await this.#step(batchSize);
      if (step === 'failed') throw this.#lastError;
      if (step === 'moved') continue;
      if ((step === 'held' || step === 'busy') && waits++ < 40) {
        await sleep(25);
        continue;
      }
      if (typeof step !== 'number' || step === 0) return total;
      total += step;
    }
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.o.source.subscribe?.(() => this.wake());
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribe?.();
    this.wake();
    await this.#loop;
    // hand the lease over now rather than make a standby wait for it to run out; best effort and
    // bounded (the database may be closing too: the lease then simply runs out)
    await Promise.race([
      this.checkpoints.release(this.o.target.db, this.name, this.holder).catch(() => {}),
      sleep(1000, undefined, { ref: false }),
    ]);
  }

  /** Something new may be readable. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Takes the checkpoint over in the caller's transaction, waiting for a batch in flight elsewhere:
   * a rebuild rewinds, then replays as the holder while the live instances stand by.
   */
  async takeOver(tx: Tx, to: Position): Promise<void> {
    await this.checkpoints.lock(tx, this.name);
    await this.checkpoints.write(tx, this.name, to, { holder: this.holder, ms: this.#leaseMs });
    this.#at = to;
    this.#readFrom = undefined;
    this.#ahead = undefined;
    this.o.source.reposition?.(to);
  }

  /** Hands the lease back (after a rebuild), so a live instance resumes at once. */
  release(): Promise<void> {
    return this.checkpoints.release(this.o.target.db, this.name, this.holder);
  }

  async #position(): Promise<Position> {
    this.#at ??= await this.checkpoints.read(this.o.target.db, this.name);
    return this.#at;
  }

  async #step(limit?: number): Promise<Step> {
    if (this.#standingBy) {
      // ask before reading: a standby must not pull from a feed the holder is reading
      const row = await this.checkpoints.readRow(this.o.target.db, this.name);
      if (row.holder && row.holder !== this.holder && row.leased) return 'standby';
      this.#standingBy = false;
    }
    const at = await this.#position();
    const from = this.#readFrom ?? at;
    const size = this.#isolate ? 1 : (limit ?? this.o.batchSize ?? 500);
    const batch = await this.#read(from, size);
    if (this.o.source.readAhead && batch.items.length === size && size > 1) {
      const next = batch.through;
      // a failed read ahead is only a lost head start: the next step reads again
      this.#ahead = { from: next, limit: size, batch: this.o.source.read(next, size).catch(() => undefined) };
    }
    const renew = Date.now() - this.#renewedAt > this.#leaseMs / 3;
    if (batch.items.length === 0 && !renew) {
      this.#readFrom = batch.through;
      return batch.held ? 'held' : 0;
    }
    let failure: { item: I; error: unknown } | undefined;
    const outcome = await this.o.target.db.transaction().execute(async (tx): Promise<Step> => {
      if (!(await this.checkpoints.tryLock(tx, this.name))) return 'busy';
      const row = await this.checkpoints.readRow(tx, this.name);
      if (row.holder && row.holder !== this.holder && row.leased) {
        this.#standingBy = true;
        return 'standby';
      }
      if (!samePosition(row, at)) {
        this.#at = { transactionId: row.transactionId, globalPosition: row.globalPosition };
        this.#readFrom = undefined;
        this.o.source.reposition?.(this.#at);
        return 'moved';
      }
      const result =
        batch.items.length || this.o.handleEmpty
          ? await this.o.handle(batch.items, tx, { from: at, through: batch.through })
          : undefined;
      let through = batch.through;
      let applied = batch.items.length;
      if (result) {
        applied = result.applied;
        through = applied ? this.o.source.positionOf(batch.items[applied - 1]!) : from;
        const item = batch.items[applied]!;
        if (this.#countAttempt(item, result.error)) {
          // given up on: recorded, and the line moves past it in the same transaction
          await this.o.policy!.giveUp!(item, result.error, this.#attempts.n, tx);
          through = this.o.source.positionOf(item);
          applied++;
          this.#attempts = { at: '', n: 0 };
        } else failure = { item, error: result.error };
      }
      await this.checkpoints.write(tx, this.name, through, { holder: this.holder, ms: this.#leaseMs });
      this.#at = through;
      this.#readFrom = undefined;
      return applied;
    });
    if (typeof outcome === 'number') {
      this.#renewedAt = Date.now();
      this.o.source.committed?.(this.#at!);
    }
    if (outcome === 'standby') this.o.source.standby?.();
    if (typeof outcome === 'number' && outcome > 0) {
      // progress: a failure further on is a new one, with its own backoff from the start
      this.#failures = 0;
      if (!failure) this.#isolate = false;
    }
    if (failure) {
      this.#lastError = failure.error;
      return 'failed';
    }
    return outcome;
  }

  /** The batch after `from`: the one read ahead if it began there, else read now. */
  async #read(from: Position, limit: number): Promise<Batch<I>> {
    const ahead = this.#ahead;
    this.#ahead = undefined;
    const batch =
      ahead && ahead.limit === limit && samePosition(ahead.from, from) ? await ahead.batch : undefined;
    return batch ?? this.o.source.read(from, limit);
  }

  /** Counts a failed attempt at an item; true when it is to be given up on now. */
  #countAttempt(item: I, error: unknown): boolean {
    const p = this.o.source.positionOf(item);
    const key = `${p.transactionId}/${p.globalPosition}`;
    if (this.#attempts.at !== key) this.#attempts = { at: key, n: 0 };
    if (isTransient(error)) return false; // a lost connection or a deadlock says nothing of the item
    this.#attempts.n++;
    // an item that can never pass (an unreadable envelope) is not tried again
    if ((error as { permanent?: unknown } | null)?.permanent === true)
      return this.o.policy?.giveUp !== undefined;
    const max = this.o.policy?.maxAttempts;
    return max !== undefined && this.#attempts.n >= max && this.o.policy?.giveUp !== undefined;
  }

  async #run(): Promise<void> {
    const gatherMs = this.o.gatherMs ?? 100;
    const pollMs = this.o.pollMs ?? 500;
    while (this.#running) {
      this.#woken = false;
      let step: Step;
      try {
        step = await this.#step();
      } catch (e) {
        // the batch's transaction failed as a whole: nothing of it took effect
        this.#lastError = e;
        if (!isTransient(e)) this.#isolate = true;
        step = 'failed';
      }
      if (step === 'failed') {
        this.#failures++;
        try {
          this.o.onError?.(this.#lastError, {
            attempts: this.#failures,
            transient: isTransient(this.#lastError),
          });
        } catch {
          // a failing logger must not stop the line for good
        }
        const backoff = this.o.policy?.backoffMs ?? ((n: number) => Math.min(30_000, 100 * 2 ** n));
        await this.#backOff(backoff(this.#failures));
        continue;
      }
      this.#failures = 0;
      if (step === 'moved') continue;
      if (step === 'held') {
        // an older transaction still holds the frontier; it ends within milliseconds, and its commit
        // may notify nobody (it need not have appended), so look again soon
        await this.#idle(25);
        continue;
      }
      if (step === 'standby' || step === 'busy') {
        // another instance works: look again within a fraction of its lease
        await this.#idle(Math.min(pollMs, this.#leaseMs / 5), false);
        continue;
      }
      if (step >= (this.o.batchSize ?? 500)) continue; // more is waiting
      const pause = pauseAfter(step, this.#woken, gatherMs);
      if (pause !== undefined) await sleep(pause);
      else await this.#idle(Math.min(pollMs, this.#leaseMs / 3));
    }
  }

  /**
   * Waits before retrying, keeping the lease meanwhile: a backoff longer than the lease would otherwise
   * hand the failing item to a standby, which would start counting its attempts afresh.
   */
  async #backOff(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.#running && Date.now() < until) {
      await this.#idle(Math.min(until - Date.now(), this.#leaseMs / 3), false);
      if (!this.#running || Date.now() >= until) return;
      await this.o.target.db
        .transaction()
        .execute(async (tx) => {
          if (!(await this.checkpoints.tryLock(tx, this.name))) return;
          const row = await this.checkpoints.readRow(tx, this.name);
          if (row.holder === this.holder)
            await this.checkpoints.write(tx, this.name, row, { holder: this.holder, ms: this.#leaseMs });
        })
        .catch(() => {}); // the retry will tell
    }
  }

  /** Sleeps until woken or `ms` pass; a standby ignores wake-ups (the holder answers them). */
  async #idle(ms: number, wakeable = true): Promise<void> {
    if (!this.#running) return;
    if (wakeable && this.#woken) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = wakeable
        ? () => {
            clearTimeout(timer);
            resolve();
          }
        : () => {
            if (!this.#running) {
              clearTimeout(timer);
              resolve();
            }
          };
    });
    this.#wake = undefined;
  }
}
