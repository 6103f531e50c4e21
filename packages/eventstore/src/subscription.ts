import type { Db, Tx } from './database.js';
import type { EventStore } from './eventStore.js';
import { Follower, type FollowerSource } from './follower.js';
import { type EncodedEvent, type LogPage, type Position, positionOf, type RecordedEvent } from './types.js';

export type BatchHandler = (
  events: RecordedEvent[],
  tx: Tx,
  span: { from: Position; through: Position },
) => Promise<void>;

export type SubscriptionOptions = {
  name: string;
  /** The log it follows. */
  source: EventStore;
  /** Where its checkpoint and effects live (the source's database, possibly another schema). */
  target: { db: Db; schema: string };
  handle: BatchHandler;
  /** Call `handle` for an empty batch too (see FollowerOptions.handleEmpty). */
  handleEmpty?: boolean;
  /** Only these event types are read (and counted as lag); all when absent. */
  types?: readonly string[];
  /** Of those, the types read without their data (the handler reads it in place, by event id). */
  withoutData?: readonly string[];
  batchSize?: number;
  pollMs?: number;
  gatherMs?: number;
  leaseMs?: number;
  onError?: (error: unknown) => void;
};

/** An event store's global log as a follower reads it: in commit order, below the safe frontier. */
export function logSource(
  store: EventStore,
  types?: readonly string[],
  withoutData?: readonly string[],
): FollowerSource<RecordedEvent> {
  return follow(store, (after, limit) =>
    store.readLog(after, { limit, ...(types ? { types } : {}), ...(withoutData ? { withoutData } : {}) }),
  );
}

/** The same, each event's data left as the JSON text the database holds (for a relay). */
export function encodedLogSource(store: EventStore, types?: readonly string[]): FollowerSource<EncodedEvent> {
  return follow(store, (after, limit) =>
    store.readLog(after, { limit, encoded: true, ...(types ? { types } : {}) }),
  );
}

function follow<E extends RecordedEvent | EncodedEvent>(
  store: EventStore,
  read: (after: Position, limit: number) => Promise<LogPage<E>>,
): FollowerSource<E> {
  return {
    read: async (after, limit) => {
      const { events, through, held } = await read(after, limit);
      return { items: events, through, held };
    },
    positionOf,
    readAhead: true,
    subscribe: (wake) => {
      store.notifications.on('appended', wake);
      return () => store.notifications.off('appended', wake);
    },
  };
}

/**
 * Follows an event store's global log with a checkpoint stored in the same transaction as the batch's
 * effect: the follower loop (one active instance, stop the line on failure) over `logSource`.
 */
export class Subscription extends Follower<RecordedEvent> {
  constructor(private readonly options: SubscriptionOptions) {
    super({
      name: options.name,
      source: logSource(options.source, options.types, options.withoutData),
      target: options.target,
      handle: async (events, tx, span) => {
        await options.handle(events, tx, span);
        return undefined;
      },
      ...(options.handleEmpty ? { handleEmpty: true } : {}),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      ...(options.gatherMs !== undefined ? { gatherMs: options.gatherMs } : {}),
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
      ...(options.onError ? { onError: (e: unknown) => options.onError!(e) } : {}),
    });
  }

  async lag(): Promise<number> {
    const at = await this.checkpoints.read(this.options.target.db, this.name);
    return this.options.source.countAfter(at, this.options.target.db, this.options.types);
  }
}
