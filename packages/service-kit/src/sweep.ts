import type { FastifyInstance } from 'fastify';

/**
 * Runs `sweep` every `ms` while the app lives (a timer that keeps no process alive and stops on close);
 * a failed sweep is logged by its type and SQLSTATE, never its message, and the next one tries again.
 */
export function sweepEvery(
  app: FastifyInstance,
  ms: number,
  what: string,
  sweep: () => Promise<unknown>,
): void {
  const timer = setInterval(() => {
    sweep().catch((e: Error) => {
      app.log.warn({ err: { type: e.name, code: (e as { code?: string }).code } }, `${what} sweep failed`);
    });
  }, ms);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
