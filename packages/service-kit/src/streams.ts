import type { Decider, DomainEvent, EventDefinition } from '@casework/contracts';
import type { Executor, RecordedEvent, StreamAppend } from '@casework/eventstore';
import { type Cause, toNewEvent } from './events.js';
import type { ServiceContext } from './serviceModule.js';

// A stream's events in and out: folded into its state with the decider that reads them, and decided
// events wrapped in their envelope as an append.

/** Event contracts by name, to wrap decided events in their envelope. */
export const byName = (defs: readonly EventDefinition[]): Record<string, EventDefinition> =>
  Object.fromEntries(defs.map((d) => [d.name, d]));

/** A stream's state, folded from events this service wrote with the decider that reads them. */
export const foldEvents = <S, E extends DomainEvent>(
  decider: Pick<Decider<S, never, E>, 'evolve' | 'initialState'>,
  events: readonly Pick<RecordedEvent, 'type' | 'data'>[],
): S => events.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), decider.initialState);

/** One stream read and folded: its state and version. */
export async function loadAggregate<S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  streamId: string,
  decider: Decider<S, C, E>,
  executor?: Executor,
): Promise<{ state: S; version: number }> {
  const { version, events } = await ctx.store.readStream(streamId, executor ? { executor } : undefined);
  return { state: foldEvents(decider, events), version };
}

/** Decided events of one stream as an append, expecting the version they were decided on. */
export function appendOf<E extends DomainEvent>(
  ctx: ServiceContext,
  stream: { streamId: string; streamType: string; version: number },
  events: readonly E[],
  definitions: Record<string, EventDefinition>,
  cause: Cause,
): StreamAppend {
  return {
    streamId: stream.streamId,
    streamType: stream.streamType,
    expectedVersion: stream.version === 0 ? 'no_stream' : stream.version,
    events: events.map((e) => toNewEvent(ctx, definitions[e.type]!, e.data, stream.streamId, cause)),
  };
}
