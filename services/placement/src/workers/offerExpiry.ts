import { pollingWorker, type ServiceContext, type Worker } from '@casework/service-kit';
import { answerOffer, expiredOffers } from '../application/offers.js';

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

export const offerExpiryWorker = (ctx: ServiceContext, options: { pollMs?: number } = {}): Worker =>
  pollingWorker(ctx, 'offer-expiry', options.pollMs ?? 60_000, () => expireOffers(ctx));
