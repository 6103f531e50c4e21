import type { EventStore } from '@casework/eventstore';
import type { ConsumerSpec, ConsumerStats } from './types.js';

export type Relay = { stop: () => Promise<void>; lag: () => Promise<number> };
export type Consumer = { stop: () => Promise<void>; stats: () => ConsumerStats; lag: () => Promise<number> };

/** How events leave one service and reach another: JetStream, or in-process in the embedded mode. */
export interface Transport {
  readonly kind: 'jetstream' | 'in-process';
  /** Publishes the service's published events from its events table (the outbox). */
  startRelay(store: EventStore, service: string, published: ReadonlySet<string>): Relay;
  /** Runs a durable, idempotent consumer whose effects go to `target`. */
  startConsumer(target: EventStore, spec: ConsumerSpec): Consumer;
  /** Whether the transport can deliver right now (for readiness). */
  connected(): boolean;
  close(): Promise<void>;
}
