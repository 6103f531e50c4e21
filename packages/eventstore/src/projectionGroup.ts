import { setTimeout as sleep } from 'node:timers/promises';
import type { Db, Tx } from './database.js';
import type { EventStore } from './eventStore.js';
import { applyTo, type Projection, ProjectionRunner } from './projection.js';
import { Subscription } from './subscription.js';
import { comparePositions, type Position, positionOf, type RecordedEvent, START } from './types.js';

export type ProjectionGroupOptions = {
  batchSize?: number;
  /** Events per transaction when replaying from zero (default 2,000). */
  rebuildBatchSize?: number;
  pollMs?: number;
  leaseMs?: number;
  onError?: (e: unknown, projection?: string) => void;
};

/**
 * A service's projections fed by one reader of its log. Each projection keeps its own checkpoint, so
 * one can be rebuilt alone, but the log is read once for all of them: a follower per projection would
 * read it, wake and commit once per projection, for every event appended.
 *
 * The group's follower reads every type a member handles, in commit order, and applies each batch to
 * the members standing where the batch begins, each its own events, in one transaction with every
 * checkpoint it moves. A member behind it (rebuilt, or new) is passed by: it catches up on its own
 * (ProjectionRunner, under its own lease) and rejoins. A member ahead (left there by a follower of its
 * own, in a version before groups) gets only the events past its checkpoint until the group is level.
 */
export class ProjectionGroup {
  readonly follower: Subscription;
  readonly runners: ProjectionRunner[];
  readonly #target: { db: Db; schema: string };
  readonly #rebuildBatchSize: number;
  readonly #leaseMs: number;
  readonly #onError: ProjectionGroupOptions['onError'];
  /** Members catching up on their own in this process, by checkpoint name. */
  readonly #catchingUp = new Map<string, Promise<void>>();
  /** Events applied per member since the counts were last taken (a rebuild reports them). */
  #applied = new Map<string, number>();
  #running = false;
  #started: Promise<void> | undefined;

  constructor(
    readonly name: string,
    projections: readonly Projection[],
    source: EventStore,
    target: { db: Db; schema: string } = { db: source.db, schema: source.schema },
    { rebuildBatchSize = 2000, onError, ...options }: ProjectionGroupOptions = {},
  ) {
    this.#target = target;
    this.#rebuildBatchSize = rebuildBatchSize;
    this.#leaseMs = options.leaseMs ?? 5000;
    this.#onError = onError;
    this.runners = projections.map(
      (p) =>
        new ProjectionRunner(p, source, target, {
          ...options,
          rebuildBatchSize,
          group: name,
          ...(onError ? { onError: (e: unknown) => onError(e, p.name) } : {}),
        }),
    );
    const types = [...new Set(projections.flatMap((p) => p.handles))];
    // read without data only where every member handling the type reads it in place
    const withoutData = types.filter((type) =>
      projections.every((p) => !p.handles.includes(type) || (p.readInPlace ?? []).includes(type)),
    );
    this.follower = new Subscription({
      name,
      source,
      target,
      ...options,
      ...(onError ? { onError: (e: unknown) => onError(e) } : {}),
      types,
      withoutData,
      handleEmpty: true,
      handle: (events, tx, span) => this.#apply(events, tx, span),
    });
  }

  /** One batch, applied to every member in step with the group; members behind it are left to catch up. */
  async #apply(events: RecordedEvent[], tx: Tx, { from, through }: { from: Position; through: Position }) {
    const checkpoints = this.follower.checkpoints;
    const locked: ProjectionRunner[] = [];
    const behind: ProjectionRunner[] = [];
    // a member's own batches (a rebuild) hold its lock: passed by this time
    for (const r of this.runners)
      ((await checkpoints.tryLock(tx, r.subscription.name)) ? locked : behind).push(r);
    const at = await checkpoints.readMany(
      tx,
      locked.map((r) => r.subscription.name),
    );
    // a member with no checkpoint yet stands at the log's start
    const moves: { subscription: string; to: Position }[] = [];
    const applied: [string, number][] = [];
    for (const r of locked) {
      const mine = at.get(r.subscription.name) ?? START;
      if (comparePositions(mine, from) < 0) {
        behind.push(r);
        continue;
      }
      const handles = new Set(r.projection.handles);
      const theirs = events.filter((e) => handles.has(e.type) && comparePositions(positionOf(e), mine) > 0);
      await applyTo(r.projection, theirs, tx);
      applied.push([r.projection.name, theirs.length]);
      if (comparePositions(through, mine) > 0) moves.push({ subscription: r.subscription.name, to: through });
    }
    await checkpoints.moveMany(tx, moves);
    for (const [name, n] of applied) this.#applied.set(name, (this.#applied.get(name) ?? 0) + n);
    // once this batch has committed (its locks released), each member behind catches up on its own
    if (behind.length > 0 && this.#running)
      setTimeout(() => {
        for (const r of behind) this.#catchUp(r);
      }, 0);
  }

  /**
   * Starts the group's reader, first placing the group where its members stand if it is new (retried
   * while the database cannot be reached, as every follower's reads are).
   */
  start(): Promise<void> {
    if (this.runners.length === 0) return Promise.resolve();
    if (this.#started) return this.#started;
    this.#running = true;
    this.#started = (async () => {
      while (this.#running) {
        try {
          await this.#place();
          break;
        } catch (e) {
          this.#onError?.(e);
          await sleep(1000);
        }
      }
      if (this.#running) this.follower.start();
    })();
    return this.#started;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#started;
    this.#started = undefined;
    await Promise.all([this.follower.stop(), ...this.runners.map((r) => r.subscription.stop())]);
    await Promise.all(this.#catchingUp.values());
  }

  /** Applies everything readable now (tests); members behind are caught up and rejoined first. */
  async catchUp(): Promise<number> {
    await this.#place();
    for (const r of this.runners) await this.#rejoinIfBehind(r);
    return this.follower.catchUp();
  }

  /**
   * A new group starts at the earliest checkpoint its members have (a member ahead is passed its own
   * events only); with none yet, at the log's start. Members with no checkpoint (projections added
   * since) are then behind, and catch up on their own rather than hold the others back.
   */
  async #place(): Promise<void> {
    const checkpoints = this.follower.checkpoints;
    await this.#target.db.transaction().execute(async (tx) => {
      await checkpoints.lock(tx, this.name);
      const written = await checkpoints.readMany(tx, [
        this.name,
        ...this.runners.map((r) => r.subscription.name),
      ]);
      if (written.has(this.name)) return;
      const earliest = [...written.values()].sort(comparePositions)[0];
      await checkpoints.write(tx, this.name, earliest ?? START);
    });
    for (const r of this.runners) if (await this.#isBehind(r)) this.#catchUp(r);
  }

  async #isBehind(r: ProjectionRunner): Promise<boolean> {
    const checkpoints = this.follower.checkpoints;
    const [group, mine] = await Promise.all([
      checkpoints.read(this.#target.db, this.name),
      checkpoints.read(this.#target.db, r.subscription.name),
    ]);
    return comparePositions(mine, group) < 0;
  }

  async #rejoinIfBehind(r: ProjectionRunner): Promise<void> {
    if (!(await this.#isBehind(r))) return;
    await r.subscription.catchUp(this.#rebuildBatchSize);
    await r.rejoin(this.name);
    await r.subscription.release();
  }

  /**
   * A member behind the group catches up under its own lease, then rejoins; where another instance
   * holds that lease (a rebuild running there), this one waits for it to hand the member back.
   */
  #catchUp(r: ProjectionRunner): void {
    const name = r.subscription.name;
    if (this.#catchingUp.has(name) || !this.#running) return;
    const run = async () => {
      while (this.#running && (await this.#isBehind(r))) {
        try {
          const row = await r.subscription.checkpoints.readRow(this.#target.db, name);
          if (row.holder && row.holder !== r.subscription.holder && row.leased) {
            await sleep(this.#leaseMs / 3);
            continue;
          }
          await r.subscription.catchUp(this.#rebuildBatchSize);
          await r.rejoin(this.name);
        } catch (e) {
          this.#onError?.(e, r.projection.name);
          await sleep(1000);
        }
      }
      await r.subscription.release().catch(() => {});
    };
    const done = run().finally(() => this.#catchingUp.delete(name));
    this.#catchingUp.set(name, done);
  }

  /**
   * Empties every member and replays them from zero in one pass of the log, safe while live instances
   * run (as ProjectionRunner.rebuild, for the group's checkpoint and every member's at once). Returns
   * the events each member applied.
   */
  async rebuildAll(): Promise<Record<string, number>> {
    const running = this.#running;
    if (running) await this.stop();
    const checkpoints = this.follower.checkpoints;
    try {
      await this.#target.db.transaction().execute(async (tx) => {
        await this.follower.takeOver(tx, START);
        for (const r of this.runners) {
          await checkpoints.lock(tx, r.subscription.name);
          await r.projection.reset(tx);
          await checkpoints.write(tx, r.subscription.name, START, { holder: null, ms: 0 });
        }
      });
      this.#applied = new Map();
      await this.follower.catchUp(this.#rebuildBatchSize);
      return Object.fromEntries(
        this.runners.map((r) => [r.projection.name, this.#applied.get(r.projection.name) ?? 0]),
      );
    } finally {
      if (running) await this.start();
      else await this.follower.release();
    }
  }

  /** Empties one member and replays it while the others go on (ProjectionRunner.rebuild, then rejoin). */
  async rebuild(name: string): Promise<number | undefined> {
    return this.runners.find((r) => r.projection.name === name)?.rebuild();
  }
}
