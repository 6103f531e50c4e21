import { sofiaDate } from '@casework/contracts';
import { pollingWorker, type ServiceContext, type Worker } from '@casework/service-kit';
import { municipalitiesOwed, reviewArrears } from '../application/arrears.js';

/** Reviews every municipality's arrears as the days pass, so no officer has to remember to. */
export async function reviewAllArrears(ctx: ServiceContext): Promise<void> {
  const on = sofiaDate(ctx.clock());
  for (const municipality of await municipalitiesOwed(ctx, on))
    await reviewArrears(ctx, {
      municipality,
      on,
      cause: { correlationId: `arrears-review:${municipality}:${on}` },
    });
}

export const arrearsReviewWorker = (ctx: ServiceContext, options: { pollMs?: number } = {}): Worker =>
  pollingWorker(ctx, 'arrears-review', options.pollMs ?? 3_600_000, () => reviewAllArrears(ctx));
