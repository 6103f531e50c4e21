import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsSecurity } from './natsOptions.js';
import type { Logger } from './types.js';

export type JetStreamOptions = {
  url: string;
  /** Subject prefix (`casework`; tests use their own). */
  prefix?: string;
  /** Prefix of the streams' names, one stream per publishing service: `CASEWORK_INTAKE`… */
  stream?: string;
  replicas?: number;
  /** Credentials and TLS for the connection. */
  security?: NatsSecurity;
  /** Attempts at one event before it goes to dead letters. */
  maxDeliver?: number;
  /** First retry delay; doubles on each attempt. */
  backoffBaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /** After a partial batch of several events, how long the relay lets appends gather (100 ms). */
  gatherMs?: number;
  /** How long a publish waits for its ack before it is retried. */
  publishTimeoutMs?: number;
  /** How long a follower's lease lasts unrenewed (fail-over time after an instance dies). */
  leaseMs?: number;
  logger?: Logger;
};

/**
 * What the JetStream relay and consumers use of their transport: its connection, its settings and its
 * streams. The transport (connection.ts) starts them and is this; they never import it.
 */
export interface JetStreamLink {
  readonly prefix: string;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly options: JetStreamOptions;
  readonly log: Logger;
  /** The name of the stream a service publishes to. */
  streamOf(service: string): string;
  /** Creates the service's stream once (or finds it), before the first publish. */
  ensureStream(service: string): Promise<void>;
  /** Forgets that the stream was ensured (it was deleted): the next publish ensures it again. */
  forgetStream(service: string): void;
}
