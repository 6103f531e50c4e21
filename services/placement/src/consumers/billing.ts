import { ArrearsThresholdReached } from '@casework/contracts';
import type { ConsumerSpec } from '@casework/messaging';
import { serviceType } from '@casework/reference-data';
import type { ServiceContext } from '@casework/service-kit';
import { loadPlacements } from '../application/stays.js';
import { openTask } from '../application/tasks.js';

const stateFunded = (code: Parameters<typeof serviceType>[0]) =>
  ['state_delegated', 'mixed'].includes(serviceType(code).defaultFunding);

/**
 * Billing's report of fees unpaid for longer than the law allows: the state-funded service ends unless
 * they are paid within a month, so the case manager gets a task per such stay (one for the client
 * when none is current). Placement decides nothing by itself.
 */
export const billingConsumer = (ctx: ServiceContext): ConsumerSpec => ({
  name: 'billing',
  sources: { billing: [ArrearsThresholdReached.name] },
  handle: async (event, tx) => {
    if (event.type !== ArrearsThresholdReached.name) return;
    const d = ArrearsThresholdReached.schema.parse(event.data);
    const cause = { correlationId: event.metadata.correlationid, causationId: event.eventId };
    const detail =
      `fees for ${d.months.length} months (${d.months[0]} to ${d.months.at(-1)}) unpaid since ${d.oldestDueOn}: ` +
      'the service ends unless they are paid within a month; talk with the client';
    const { state } = await loadPlacements(ctx, d.clientId, tx);
    const current = [...state.stays].filter(
      ([, stay]) =>
        stay.municipality === d.municipality &&
        (stay.to === null || stay.to > d.on) &&
        stateFunded(stay.serviceType),
    );
    const base = {
      kind: 'fees_in_arrears' as const,
      clientId: d.clientId,
      municipality: d.municipality,
      on: d.on,
    };
    if (current.length === 0) await openTask(ctx, tx, { ...base, detail, causedBy: event.eventId }, cause);
    for (const [placementId] of current)
      await openTask(ctx, tx, { ...base, placementId, detail, causedBy: event.eventId }, cause);
  },
});
