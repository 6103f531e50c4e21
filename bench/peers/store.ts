// What the peer benchmark asks of an event store: the same few operations, implemented by each store
// the way its own documentation shows.

/** One event as both stores receive it: a type, about 300 bytes of JSON data, and metadata. */
export type PeerEvent = { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> };

/** `no_stream`: the stream must not exist yet; a number: the version the stream must be at. */
export type Expected = 'no_stream' | number;

export interface PeerStore {
  /** Appends to one stream; returns its new version; throws `Conflict` when the expectation fails. */
  append(streamId: string, events: PeerEvent[], expected: Expected): Promise<number>;
  /** Reads a whole stream; returns how many events it held. */
  readStream(streamId: string): Promise<number>;
  /** Reads the whole global log from its start in pages; returns the id (`metadata.id`) of each event read. */
  catchUp(pageSize: number): Promise<string[]>;
  close(): Promise<void>;
}

/** An append refused for its expected version. */
export class Conflict extends Error {}
