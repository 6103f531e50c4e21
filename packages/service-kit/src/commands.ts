import { type Decider, type DomainEvent, type EventDefinition, staleVersion } from '@casework/contracts';
import type { Executor, RecordedEvent, StreamAppend, Tx } from '@casework/eventstore';
import type { FastifyRequest } from 'fastify';
import { type Cause, toNewEvent } from './events.js';
import { badRequest } from './problems.js';
import type { ServiceContext } from './serviceModule.js';
import { retrying } from './unitOfWork.js';

/** Event contracts by name, to wrap decided events in their envelope. */
export const byName = (defs: readonly EventDefinition[]): Record<string, EventDefinition> =>
  Object.fromEntries(defs.map((d) => [d.name, d]));

export async function loadAggregate<S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  streamId: string,
  decider: Decider<S, C, E>,
  executor?: Executor,
): Promise<{ state: S; version: number }> {
  const { version, events } = await ctx.store.readStream(streamId, executor ? { executor } : undefined);
  return { state: foldEvents(decider, events), version };
}

/** A stream's state, folded from events this service wrote with the decider that reads them. */
export const foldEvents = <S, E extends DomainEvent>(
  decider: Pick<Decider<S, never, E>, 'evolve' | 'initialState'>,
  events: readonly Pick<RecordedEvent, 'type' | 'data'>[],
): S => events.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), decider.initialState);

/** The version named by `If-Match` (`"3"` or `W/"3"`), if the client sent one. */
export function ifMatch(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(String(raw).trim());
  if (!m) throw badRequest('headers.if-match', 'expected an ETag such as "3"');
  return Number(m[1]);
}

export type Execution<S, C, E extends DomainEvent> = {
  streamId: string;
  streamType: string;
  decider: Decider<S, C, E>;
  definitions: Record<string, EventDefinition>;
  /** The command, or a function of the current state that builds it (e.g. to read a current value). */
  command: C | ((state: S) => C);
  /** From `If-Match`: decide only on that version, else 412. Without it a lost race is retried. */
  expectedVersion?: number | undefined;
  cause: Cause;
};

/** What a decision on one stream needs: the stream, its decider and event contracts, the command. */
export type Decision<S, C, E extends DomainEvent> = Omit<Execution<S, C, E>, 'expectedVersion'>;

/**
 * Decides the command on the stream as loaded and appends what it decided at the version it was loaded
 * at (nothing when it decided nothing): the one core of `execute` and `decideIn`.
 */
async function decideOn<S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  executor: Executor,
  x: Decision<S, C, E>,
  loaded: { state: S; version: number },
): Promise<{ before: S; state: S; version: number; events: E[] }> {
  const { state, version } = loaded;
  const command = typeof x.command === 'function' ? (x.command as (s: S) => C)(state) : x.command;
  const events = x.decider.decide(command, state);
  if (events.length > 0)
    await ctx.store.append([appendOf(ctx, { ...x, version }, events, x.definitions, x.cause)], executor);
  return {
    before: state,
    state: events.reduce(x.decider.evolve, state),
    version: version + events.length,
    events,
  };
}

/**
 * Load → decide → append with the version that was read. A command that decides nothing writes nothing.
 * Without If-Match a concurrent change is retried on the new state (deciding again), a few times.
 */
export async function execute<S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  x: Execution<S, C, E>,
): Promise<{ state: S; version: number; events: E[] }> {
  const once = async () => {
    const loaded = await loadAggregate(ctx, x.streamId, x.decider);
    if (x.expectedVersion !== undefined && x.expectedVersion !== loaded.version) throw staleVersion();
    return decideOn(ctx, ctx.store.db, x, loaded);
  };
  // with If-Match the caller decided on one version: a lost race is theirs to see (412), not retried
  return x.expectedVersion === undefined ? retrying(once) : once();
}

/**
 * Load → decide → append inside a transaction someone else holds (a consumer's batch, a unit of work
 * over several streams): a lost race fails the whole transaction, which its holder decides again.
 */
export async function decideIn<S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  tx: Tx,
  x: Decision<S, C, E>,
): Promise<{ before: S; state: S; version: number; events: E[] }> {
  return decideOn(ctx, tx, x, await loadAggregate(ctx, x.streamId, x.decider, tx));
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
