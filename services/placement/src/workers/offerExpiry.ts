import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceContext, Worker } from '@casework/service-kit';
import { answerOffer, expiredOffers } from '../application/waitingList.js';

/**
 * Lets offers nobody answered lapse after their last working day: the place held for them is free
 * again and the lapse counts as a decline. Each offer lapses in a transaction of its own.
 */
/** Lets every offer past its last working day lapse; returns how many lapsed now. */
export async function expireOffers(ctx: ServiceContext): Promise<number> {
  let lapsed = 0;
  for (const offerId of await expiredOffers(ctx)) {
    const r = await answerOffer(
      ctx,
      offerId,
      { type: 'Expire' },
      { correlationId: `offer-expiry:${offerId}` },
    );
    if (r.changed) lapsed++;
  }
  return lapsed;
}

export function offerExpiryWorker(ctx: ServiceContext, options: { pollMs?: number } = {}): Worker {
  const pollMs = options.pollMs ?? 60_000;
  let running = false;
  let loop: Promise<void> | undefined;
  const controller = new AbortController();
  const sweep = () => expireOffers(ctx);
  return {
    name: 'offer-expiry',
    start: () => {
      running = true;
      loop = (async () => {
        while (running) {
          try {
            await sweep();
          } catch (e) {
            ctx.log.warn({ err: (e as Error).message }, 'offer expiry failed; will retry');
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
