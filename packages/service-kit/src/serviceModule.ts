import type { EventDefinition, Service } from '@casework/contracts';
import type { EventStore, Projection } from '@casework/eventstore';
import type { ConsumerSpec, Transport } from '@casework/messaging';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Migration } from 'kysely/migration';
import type { TokenIssuer } from './auth.js';

/** What a service's routes and workers receive: its own store, the clock and id source, its config. */
export type ServiceContext = {
  service: Service;
  store: EventStore;
  transport: Transport;
  clock: () => Date;
  newId: () => string;
  secrets: { identifierKey: string };
  /** Signs integrators' tokens; absent beside an identity provider (`localIssuer`). */
  tokens?: TokenIssuer;
  log: FastifyBaseLogger;
};

/** A service as the platform hosts it: one per process (distributed) or four in one (embedded). */
export type ServiceModule = {
  name: Service;
  /** Its PostgreSQL schema (event store tables and read models). */
  schema: string;
  /** Read-model migrations after the event store's own. */
  migrations: Record<string, Migration>;
  /** Every event it records; the published ones are relayed to NATS and listed in AsyncAPI. */
  events: readonly EventDefinition[];
  routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }>;
  projections: (ctx: ServiceContext) => Projection[];
  consumers: (ctx: ServiceContext) => ConsumerSpec[];
  /** Reference data it adopts into its own store on start-up (idempotent; every instance may run it). */
  seed?: (ctx: ServiceContext) => Promise<void>;
  /** Background jobs beside projections and consumers (schedules, bulk re-evaluations). */
  workers?: (ctx: ServiceContext) => Worker[];
};

/** A background loop the platform starts with the service and stops before its consumers. */
export type Worker = { name: string; start: () => void; stop: () => Promise<void> };
