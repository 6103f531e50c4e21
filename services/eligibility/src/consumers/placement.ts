import { Admitted, Discharged, sofiaDate, Transferred } from '@casework/contracts';
import type { ConsumerSpec } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { currentQuestions, determineAll } from '../application/determine.js';
import { keepFact } from '../application/keepFact.js';

const STAYS = [Admitted, Transferred, Discharged];
const byName = new Map<string, (typeof STAYS)[number]>(STAYS.map((d) => [d.name, d]));

/**
 * Placement's stays, for the placement-history criterion (social housing with special status is for
 * people in or just out of protected housing): kept as facts, then the client is re-evaluated.
 */
export const placementConsumer = (ctx: ServiceContext): ConsumerSpec => {
  return {
    name: 'placement-history',
    sources: { placement: STAYS.map((d) => d.name) },
    handle: async (event, tx) => {
      const def = byName.get(event.type);
      if (!def) return;
      const data = def.schema.parse(event.data);
      await keepFact(ctx, tx, event.eventId, event.type, data);
      const trigger = { kind: 'fact_changed' as const, eventId: event.eventId };
      await determineAll(ctx, tx, currentQuestions([data.clientId], sofiaDate(ctx.clock()), trigger), {
        correlationId: event.metadata.correlationid,
        causationId: event.eventId,
      });
    },
  };
};
