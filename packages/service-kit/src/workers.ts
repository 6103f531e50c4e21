import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectionRunner } from '@casework/eventstore';
import type { HostedService } from './app.js';
import type { ServiceContext, Worker } from './serviceModule.js';

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

/**
 * A worker that runs `sweep` now and then every `pollMs` until stopped; a failed sweep is logged and
 * tried again at the next turn. Stopping waits for the sweep under way.
 */
export function pollingWorker(
  ctx: ServiceContext,
  name: string,
  pollMs: number,
  sweep: () => Promise<unknown>,
): Worker {
  let running = false;
  let loop: Promise<void> | undefined;
  const controller = new AbortController();
  return {
    name,
    start: () => {
      running = true;
      loop = (async () => {
        while (running) {
          try {
            await sweep();
          } catch (e) {
            ctx.log.warn({ worker: name, err: (e as Error).message }, 'sweep failed; will retry');
          }
          await sleep(pollMs, undefined, { signal: controller.signal }).catch(() => undefined);
        }
      })();
    },
    stop: async () => {
      running = false;
      controller.abort();
      await loop;
    },
  };
}
