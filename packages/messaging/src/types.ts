import type { EventMetadata } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';

/** An event another service published, as a consumer sees it in either transport. */
export type IncomingEvent = {
  eventId: string;
  /** The event's name (`ClientRegistered`). */
  type: string;
  /** The publishing service (`intake`). */
  source: string;
  data: unknown;
  metadata: EventMetadata;
};

/**
 * A consumer's effect: runs inside the transaction that also records the event in the inbox. Only its
 * effects through `tx` are kept exactly once: when an event of a batch fails, the handlers of the events
 * before it run again in the same attempt (their first effects rolled back).
 */
export type EventHandler = (event: IncomingEvent, tx: Tx) => Promise<void>;

/**
 * The same effect as `handle` on each event in order, in fewer statements (a run of registrations kept
 * in one insert, say). Only ever given the events of a batch the inbox claimed; when any of them fails,
 * the batch is rolled back and applied again with `handle`, one event at a time.
 */
export type BatchHandler = (events: IncomingEvent[], tx: Tx) => Promise<void>;

export type ConsumerSpec = {
  /** Durable name, unique within the consuming service (`client-directory`). */
  name: string;
  /** Which events it reads: service → event names. */
  sources: Record<string, readonly string[]>;
  handle: EventHandler;
  handleBatch?: BatchHandler;
};

export type ConsumerStats = { processed: number; duplicates: number; retried: number; deadLettered: number };

export type Logger = {
  info: (obj: object, msg?: string) => void;
  warn: (obj: object, msg?: string) => void;
  error: (obj: object, msg?: string) => void;
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** Backoff before the n-th redelivery (1-based): 1 s, 2 s, 4 s … capped at 60 s unless configured. */
export const backoffMs = (attempt: number, baseMs = 1000, capMs = 60_000) =>
  Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
