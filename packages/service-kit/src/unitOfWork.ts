import { type Decider, type DomainEvent, type EventDefinition, staleVersion } from '@casework/contracts';
import { ConcurrencyError, type Executor, isDeadlock, type Tx } from '@casework/eventstore';
import type { Cause } from './events.js';
import type { ServiceContext } from './serviceModule.js';
import { appendOf, foldEvents } from './streams.js';

/** How many times a unit of work is tried before its failure is its caller's. */
const ATTEMPTS = 5;

/**
 * A failure worth deciding again on fresh state: an append that lost a race (its stream moved since it
 * was read), or a deadlock PostgreSQL broke by aborting this transaction.
 */
export const isRetryable = (e: unknown): boolean => e instanceof ConcurrencyError || isDeadlock(e);

/**
 * Runs a unit of work (load, decide, append) again while it fails retryably (`isRetryable`, unless the
 * caller narrows it), a few times: each attempt reads what the winner wrote and decides again.
 * `attempt` starts its own transaction, if any.
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  retryable: (e: unknown) => boolean = isRetryable,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!retryable(e) || n >= ATTEMPTS) throw e;
    }
  }
}

/**
 * Runs `work` in a transaction of its own, and in a new one when it lost a race or a deadlock (see
 * `retrying`). `committed` is told of the transaction that committed, after its commit.
 */
export function inTransaction<T>(
  ctx: ServiceContext,
  work: (tx: Tx) => Promise<T>,
  committed?: (tx: Tx) => void,
): Promise<T> {
  return retrying(async () => {
    let held: Tx | undefined;
    const result = await ctx.store.db.transaction().execute((tx) => {
      held = tx;
      return work(tx);
    });
    committed?.(held!);
    return result;
  });
}

/** What folds a stream's events into its state: its decider (methods, so any decider's events fit). */
export type Folding<S> = {
  evolve(state: S, event: DomainEvent): S;
  readonly initialState: S;
};

/** A stream a unit of work decides on, and the decider that folds its events into its state. */
export type UnitStream<S> = {
  streamId: string;
  streamType: string;
  decider: Folding<S>;
  /**
   * A stream the command means to create (its id new, or a claim that is usually free): taken as empty
   * without a read. If the append finds it there after all, the next attempt reads it.
   */
  fresh?: boolean;
};

/** A stream as a unit of work loaded it: its state and the version its append will expect. */
export type Held<S> = { streamId: string; streamType: string; state: S; version: number };

/** The streams `load` was given, as held: each its own state type. */
export type HeldAll<T extends readonly UnitStream<unknown>[]> = {
  [K in keyof T]: T[K] extends UnitStream<infer S> ? Held<S> : never;
};

/** What deciding a command on a held stream gave: its state before and after, and the events. */
export type Decided<S, E> = { before: S; state: S; version: number; events: E[] };

/**
 * One attempt of a unit of work: the streams it loads (each read once, several in one round trip), the
 * commands decided on them, and one append of every stream that decided something, at the version it
 * was read at: all of them or none.
 */
export class UnitOfWork {
  /** Per stream decided on: where it was read, its cause, and what has been decided on it, in order. */
  readonly #decided = new Map<string, { held: Held<unknown>; cause: Cause; events: DomainEvent[] }>();
  /** Fresh streams taken as empty in this attempt: a lost race on one means it existed. */
  readonly assumed = new Set<string>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly executor: Executor,
    private readonly definitions: Record<string, EventDefinition>,
    private readonly cause: Cause,
    /**
     * Fresh streams an earlier attempt found existing: read this time. None when the unit runs in a
     * transaction someone else holds (`undefined`): it has no next attempt of its own, so every stream
     * is read.
     */
    private readonly found: ReadonlySet<string> | undefined,
  ) {}

  /** The streams, in the order given; those not taken as fresh read in one round trip. */
  async load<const T extends readonly UnitStream<unknown>[]>(streams: T): Promise<HeldAll<T>> {
    const skipped = (s: UnitStream<unknown>) =>
      s.fresh === true && this.found !== undefined && !this.found.has(s.streamId);
    const toRead = streams.filter((s) => !skipped(s)).map((s) => s.streamId);
    const read = toRead.length > 0 ? await this.ctx.store.readStreams(toRead, this.executor) : new Map();
    const held: Held<unknown>[] = streams.map((s) => {
      if (skipped(s)) this.assumed.add(s.streamId);
      const stream = read.get(s.streamId);
      return {
        streamId: s.streamId,
        streamType: s.streamType,
        state: foldEvents(s.decider, stream?.events ?? []),
        version: stream?.version ?? 0,
      };
    });
    return held as HeldAll<T>;
  }

  /**
   * From `If-Match`: the caller decided on `expected`; another version is a stale-version refusal (412).
   * Checked after the caller has checked the stream is theirs to see, so it tells nothing of one that
   * is not.
   */
  expect(held: Held<unknown>, expected: number | undefined): void {
    // a stream taken as fresh was not read: its version is not known to compare
    if (this.assumed.has(held.streamId))
      throw new Error(`${held.streamId} is expected at a version: load it read`);
    if (expected !== undefined && expected !== held.version) throw staleVersion();
  }

  /**
   * Decides `command` (or the command built from the state) on the stream as the unit holds it: as
   * loaded, after what was decided on it before in this unit. Its events are appended at commit.
   */
  decide<S, C, E extends DomainEvent>(
    held: Held<S>,
    decider: Decider<S, C, E>,
    command: C | ((state: S) => C),
    cause: Cause = this.cause,
  ): Decided<S, E> {
    const entry = this.#decided.get(held.streamId) ?? { held, cause, events: [] };
    if (entry.cause !== cause && JSON.stringify(entry.cause) !== JSON.stringify(cause))
      throw new Error(`a unit of work appends ${held.streamId} under one cause`);
    const before = (entry.events as E[]).reduce(decider.evolve, held.state);
    const c = typeof command === 'function' ? (command as (s: S) => C)(before) : command;
    const events = decider.decide(c, before);
    if (events.length > 0) {
      entry.events.push(...events);
      this.#decided.set(held.streamId, entry);
    }
    return {
      before,
      state: events.reduce(decider.evolve, before),
      version: held.version + entry.events.length,
      events,
    };
  }

  /** Appends every stream decided on, in one append (nothing when nothing was decided). */
  async commit(): Promise<void> {
    const appends = [...this.#decided.values()].map(({ held, cause, events }) =>
      appendOf(this.ctx, held, events, this.definitions, cause),
    );
    if (appends.length > 0) await this.ctx.store.append(appends, this.executor);
  }
}

/**
 * One unit of work: `work` loads the streams it needs through the unit, checks what it must, decides
 * its commands, and the unit appends them all in one append. A lost race (one of its streams moved since
 * it was read, or a fresh one existed) or a broken deadlock is decided again on fresh state, a few times;
 * with `decideAgain: false` a lost race on a stream read is the caller's instead (409, or 412 under
 * If-Match): for a command that judged the whole of records as the caller saw them (a merge, a change
 * of identity), deciding again would act on what the caller never saw. Inside a transaction someone
 * else holds (`tx`) it runs once: a lost race fails the whole transaction, which its holder decides again.
 */
export async function unitOfWork<T>(
  ctx: ServiceContext,
  options: {
    definitions: Record<string, EventDefinition>;
    cause: Cause;
    tx?: Tx | undefined;
    decideAgain?: boolean;
  },
  work: (unit: UnitOfWork) => Promise<T>,
): Promise<T> {
  const found = new Set<string>();
  /** The last attempt's lost race was on a stream it took as fresh: never the caller's to see. */
  let foundFresh = false;
  const attempt = async () => {
    const unit = new UnitOfWork(
      ctx,
      options.tx ?? ctx.store.db,
      options.definitions,
      options.cause,
      options.tx ? undefined : found,
    );
    try {
      const result = await work(unit);
      await unit.commit();
      return result;
    } catch (e) {
      // a stream taken as new was there after all: read it next time
      foundFresh = e instanceof ConcurrencyError && unit.assumed.has(e.streamId);
      if (foundFresh) found.add((e as ConcurrencyError).streamId);
      throw e;
    }
  };
  if (options.tx) return attempt();
  return retrying(
    attempt,
    (e) =>
      isRetryable(e) && (options.decideAgain !== false || !(e instanceof ConcurrencyError) || foundFresh),
  );
}
