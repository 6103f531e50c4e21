import { type EventStore, Follower, type FollowerSource } from '@casework/eventstore';
import { DeadLetters } from './deadLetters.js';
import { applyInOrder } from './inbox.js';
import {
  backoffMs,
  type ConsumerSpec,
  type ConsumerStats,
  type IncomingEvent,
  type Logger,
} from './types.js';

/** An envelope that cannot be read: retrying cannot help, so it goes to dead letters at once. */
export class MalformedEnvelope extends Error {
  override readonly name = 'MalformedEnvelope';
  readonly permanent = true;
  /** What a dead letter keeps of it: its id and subject, the raw payload as text. */
  constructor(
    message: string,
    readonly fallback: IncomingEvent,
  ) {
    super(message);
  }
}

export type DeliveryPolicy = {
  /** Attempts at one event before it goes to dead letters (5). */
  maxAttempts?: number;
  /** First retry delay; doubles on each attempt, capped at 60 s (1 s). */
  backoffBaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /** Pause after a partial batch, letting more gather (the follower's default, 100 ms, when absent). */
  gatherMs?: number;
  leaseMs?: number;
  logger?: Logger;
};

/**
 * A consumer on the follower loop, the same in both transports: events of one source applied in order,
 * claimed in the inbox and applied behind a savepoint (`applyInOrder`); a failure stops the line at
 * that event and retries it in place; after `maxAttempts` it is dead-lettered (with its error and
 * attempts) in the transaction that moves past it. Only the source differs: the producer's log, or
 * its JetStream stream.
 */
export function consumerFollower<I>(o: {
  name: string;
  target: EventStore;
  spec: ConsumerSpec;
  source: FollowerSource<I>;
  /** Event types the consumer applies from this source; the others are passed over. */
  wanted: ReadonlySet<string>;
  /** The event an item carries (throws MalformedEnvelope when it cannot be read). */
  toEvent: (item: I) => IncomingEvent;
  stats: ConsumerStats;
  policy: DeliveryPolicy;
}): Follower<I> {
  const { spec, target, stats, policy } = o;
  const deadLetters = new DeadLetters(target);
  return new Follower<I>({
    name: o.name,
    source: o.source,
    target: { db: target.db, schema: target.schema },
    ...(policy.batchSize ? { batchSize: policy.batchSize } : {}),
    ...(policy.pollMs ? { pollMs: policy.pollMs } : {}),
    ...(policy.gatherMs !== undefined ? { gatherMs: policy.gatherMs } : {}),
    ...(policy.leaseMs ? { leaseMs: policy.leaseMs } : {}),
    policy: {
      maxAttempts: policy.maxAttempts ?? 5,
      backoffMs: (n) => backoffMs(n, policy.backoffBaseMs),
      giveUp: async (item, error, attempts, tx) => {
        const event = error instanceof MalformedEnvelope ? error.fallback : o.toEvent(item);
        await deadLetters.record(tx, spec.name, event, error, attempts);
        stats.deadLettered++;
        policy.logger?.error(
          { consumer: spec.name, eventId: event.eventId, type: event.type, attempts },
          'event dead-lettered; the consumer moves on',
        );
      },
    },
    onError: (error, { attempts, transient }) => {
      stats.retried++;
      if (attempts === 1 || attempts % 20 === 0)
        policy.logger?.warn(
          { consumer: spec.name, err: (error as Error).message, attempts, transient },
          'consumer stopped at an event; retrying it in place',
        );
    },
    handle: async (items, tx) => {
      // the events to apply, each with its item's index, up to the first unreadable envelope
      const events: IncomingEvent[] = [];
      const at: number[] = [];
      let unreadable: { index: number; error: unknown } | undefined;
      for (const [index, item] of items.entries()) {
        let event: IncomingEvent;
        try {
          event = o.toEvent(item);
        } catch (error) {
          unreadable = { index, error };
          break;
        }
        if (!o.wanted.has(event.type)) continue;
        events.push(event);
        at.push(index);
      }
      const outcome = await applyInOrder(target, spec.name, events, spec.handle, tx, spec.handleBatch);
      if (outcome.batchHandlerFailed !== undefined)
        policy.logger?.warn(
          { consumer: spec.name, err: (outcome.batchHandlerFailed as Error).message, events: events.length },
          'the batch handler failed where the events one by one did not; check it',
        );
      stats.processed += outcome.applied;
      stats.duplicates += outcome.duplicates;
      if (outcome.failed) return { applied: at[outcome.failed.index]!, error: outcome.failed.error };
      return unreadable ? { applied: unreadable.index, error: unreadable.error } : undefined;
    },
  });
}
