import type { EventMetadata } from '@casework/contracts';
import type { Executor } from './database.js';

/** A point in the global log, in commit order: (transaction id, global position). */
export type Position = { transactionId: string; globalPosition: string };
export const START: Position = { transactionId: '0', globalPosition: '0' };

export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';

/** An event ready to append: its envelope is complete (id, type, correlation…). */
export type NewEvent = { type: string; data: unknown; metadata: EventMetadata };

export type StreamAppend = {
  streamId: string;
  streamType: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
};

export type AppendResult = {
  streams: { streamId: string; version: number; firstPosition: string; lastPosition: string }[];
};

export type RecordedEvent = {
  eventId: string;
  type: string;
  streamId: string;
  streamPosition: number;
  globalPosition: string;
  transactionId: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: string;
};

/** A recorded event with its data still the JSON text the database holds. */
export type EncodedEvent = Omit<RecordedEvent, 'data'> & { data: string };

/** A read of the global log (EventStore.readLog); `limit` defaults to 500. */
export type LogRead = {
  limit?: number;
  executor?: Executor;
  types?: readonly string[];
  /** Types whose data the reader does not want (it reads them where they lie): their events come with data null. */
  withoutData?: readonly string[];
};

/** A page of the global log and the position its reader may checkpoint (see EventStore.readLog). */
export type LogPage<E> = {
  events: E[];
  through: Position;
  /** Events past `after` wait behind the frontier (an older writer still in flight). */
  held: boolean;
};

/** Orders decimal texts (xid8, bigint) as the numbers they are: by length, then by digits. */
export const compareDecimal = (a: string, b: string): number =>
  a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Orders positions in commit order: negative when `a` comes first. */
export const comparePositions = (a: Position, b: Position): number =>
  compareDecimal(a.transactionId, b.transactionId) || compareDecimal(a.globalPosition, b.globalPosition);

export const positionOf = (e: Pick<RecordedEvent, 'transactionId' | 'globalPosition'>): Position => ({
  transactionId: e.transactionId,
  globalPosition: e.globalPosition,
});
