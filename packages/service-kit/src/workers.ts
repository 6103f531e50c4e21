import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceContext, Worker } from './serviceModule.js';

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
