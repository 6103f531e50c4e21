import type { Decider, DomainEvent } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import { appendOf, type Cause, loadAggregate, type ServiceContext } from '@casework/service-kit';
import { definitions } from './streams.js';

/** Load → decide → append inside a transaction someone else holds (a consumer's batch, a site lock). */
export async function decideIn<S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  tx: Tx,
  stream: { streamId: string; streamType: string },
  decider: Decider<S, C, E>,
  command: C | ((state: S) => C),
  cause: Cause,
): Promise<{ before: S; state: S; events: E[]; version: number }> {
  const { state, version } = await loadAggregate(ctx, stream.streamId, decider, tx);
  const c = typeof command === 'function' ? (command as (s: S) => C)(state) : command;
  const events = decider.decide(c, state);
  if (events.length > 0)
    await ctx.store.append([appendOf(ctx, { ...stream, version }, events, definitions, cause)], tx);
  return {
    before: state,
    state: events.reduce(decider.evolve, state),
    events,
    version: version + events.length,
  };
}
