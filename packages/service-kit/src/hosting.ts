/**
 * Hosting: the services running in one app, and starting, rebuilding and stopping their relays,
 * projections, consumers and workers (the app builds them; health, metrics and admin read them).
 */
import { type Follower, ProjectionGroup, type RecordedEvent } from '@casework/eventstore';
import type { Consumer, DeadLetters, Relay } from '@casework/messaging';
import { integratorEvents } from './publicEvents.js';
import type { ServiceContext, ServiceModule, Worker } from './serviceModule.js';
import { tracedHandler } from './tracing.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { webhookFanout } from './webhooks/fanout.js';
import type { WebhookOptions } from './webhooks/options.js';

/** A running service inside the app: its context and background workers. */
export type HostedService = {
  module: ServiceModule;
  ctx: ServiceContext;
  /** The paths its routes answer, as Fastify writes them (`/v1/clients/:clientId`). */
  routes: string[];
  relay?: Relay;
  /** Its read models, fed by one reader of its log (set when its workers start). */
  projections?: ProjectionGroup;
  consumers: { name: string; consumer: Consumer }[];
  workers: Worker[];
  deadLetters: DeadLetters;
  /** Its webhooks: the fan-out of its log to endpoints, and the sender of the deliveries (ADR 15). */
  webhooks?: { fanout: Follower<RecordedEvent>; dispatcher: WebhookDispatcher };
};

/**
 * Relays first (the in-process transport needs every producer known), then projections, consumers,
 * webhooks and the service's own workers.
 */
export function startWorkers(
  hosted: HostedService[],
  webhooks: WebhookOptions = {},
  options: { tracing?: boolean } = {},
): void {
  for (const h of hosted) {
    const published = new Set(h.module.events.filter((e) => e.published).map((e) => e.name));
    h.relay = h.ctx.transport.startRelay(h.ctx.store, h.module.name, published);
  }
  for (const h of hosted) {
    h.projections = projectionGroup(h);
    void h.projections.start();
    for (const spec of h.module.consumers(h.ctx)) {
      // traced, each event is handled alone: its span is the child of the span that published it
      const traced = options.tracing
        ? { ...spec, handle: tracedHandler(h.module.name, spec.name, spec.handle), handleBatch: undefined }
        : spec;
      h.consumers.push({ name: spec.name, consumer: h.ctx.transport.startConsumer(h.ctx.store, traced) });
    }
    h.webhooks = startWebhooks(h, webhooks);
    for (const worker of h.module.workers?.(h.ctx) ?? []) {
      worker.start();
      h.workers.push(worker);
    }
  }
}

function startWebhooks(h: HostedService, options: WebhookOptions): HostedService['webhooks'] {
  const onError = (what: string) => (e: unknown) =>
    h.ctx.log.warn({ err: (e as Error).message }, `webhook ${what} failed`);
  const dispatcher = new WebhookDispatcher(
    h.ctx.store,
    h.ctx.secrets.identifierKey,
    options,
    onError('delivery'),
  );
  const fanout = webhookFanout(
    h.ctx.store,
    integratorEvents(h.module.events),
    () => dispatcher.wake(),
    onError('fan-out'),
  );
  fanout.start();
  dispatcher.start();
  return { fanout, dispatcher };
}

function projectionGroup(h: HostedService): ProjectionGroup {
  return new ProjectionGroup('projections', h.module.projections(h.ctx), h.ctx.store, undefined, {
    onError: (e, projection) =>
      h.ctx.log.warn(
        { projection: projection ?? 'all', err: (e as Error).message },
        'projection batch failed',
      ),
  });
}

/**
 * Empties a service's read models (all, in one pass of the log, or the one named) and replays them from
 * the first event; safe while the service runs, here or in another process, because the rebuild holds
 * the checkpoints. Returns the events replayed per projection; an unknown name matches nothing.
 */
export async function rebuildProjections(h: HostedService, name?: string): Promise<Record<string, number>> {
  const group = h.projections ?? projectionGroup(h);
  if (name === undefined) return group.rebuildAll();
  const replayed = await group.rebuild(name);
  return replayed === undefined ? {} : { [name]: replayed };
}

/** Workers and consumers finish their current batch, then projections and relays stop. */
export async function stopWorkers(hosted: HostedService[]): Promise<void> {
  await Promise.all(hosted.flatMap((h) => h.workers.map((w) => w.stop())));
  await Promise.all(hosted.flatMap((h) => h.consumers.map((c) => c.consumer.stop())));
  await Promise.all(
    hosted.flatMap((h) => (h.webhooks ? [h.webhooks.fanout.stop(), h.webhooks.dispatcher.stop()] : [])),
  );
  await Promise.all(hosted.map((h) => h.projections?.stop()));
  await Promise.all(hosted.map((h) => h.relay?.stop()));
}
