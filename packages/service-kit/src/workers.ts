import { ProjectionRunner } from '@casework/eventstore';
import type { HostedService } from './app.js';

/** Relays first (the in-process transport needs every producer known), then projections and consumers. */
export function startWorkers(hosted: HostedService[]): void {
  for (const h of hosted) {
    const published = new Set(h.module.events.filter((e) => e.published).map((e) => e.name));
    h.relay = h.ctx.transport.startRelay(h.ctx.store, h.module.name, published);
  }
  for (const h of hosted) {
    for (const runner of projectionRunners(h)) {
      runner.subscription.start();
      h.projections.push(runner);
    }
    for (const spec of h.module.consumers(h.ctx)) {
      h.consumers.push({ name: spec.name, consumer: h.ctx.transport.startConsumer(h.ctx.store, spec) });
    }
    for (const worker of h.module.workers?.(h.ctx) ?? []) {
      worker.start();
      h.workers.push(worker);
    }
  }
}

function projectionRunners(h: HostedService): ProjectionRunner[] {
  return h.module.projections(h.ctx).map(
    (p) =>
      new ProjectionRunner(p, h.ctx.store, undefined, {
        onError: (e) =>
          h.ctx.log.warn({ projection: p.name, err: (e as Error).message }, 'projection batch failed'),
      }),
  );
}

/**
 * Empties a service's read models (all, or the one named) and replays them from the first event; safe
 * while the service runs, here or in another process, because the rebuild holds the checkpoint row.
 * Returns the events replayed per projection; an unknown name matches nothing.
 */
export async function rebuildProjections(h: HostedService, name?: string): Promise<Record<string, number>> {
  const runners = h.projections.length > 0 ? h.projections : projectionRunners(h);
  const replayed: Record<string, number> = {};
  for (const r of runners.filter((r) => name === undefined || r.projection.name === name)) {
    replayed[r.projection.name] = await r.rebuild();
  }
  return replayed;
}
