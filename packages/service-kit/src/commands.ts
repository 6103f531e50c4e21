import type { Decider, DomainEvent, EventDefinition } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import type { FastifyRequest } from 'fastify';
import type { Cause } from './events.js';
import { badRequest } from './problems.js';
import type { ServiceContext } from './serviceModule.js';
import { type Decided, unitOfWork } from './unitOfWork.js';

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
  /** From `If-Match`: decide only on that version, else 412. */
  expectedVersion?: number | undefined;
  cause: Cause;
};

/** What a decision on one stream needs: the stream, its decider and event contracts, the command. */
export type Decision<S, C, E extends DomainEvent> = Omit<Execution<S, C, E>, 'expectedVersion'>;

/** A unit of work of one stream: load, decide, append (in `tx` when one is given). */
const onOneStream = <S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  x: Execution<S, C, E>,
  tx?: Tx,
): Promise<Decided<S, E>> =>
  unitOfWork(ctx, { definitions: x.definitions, cause: x.cause, tx }, async (unit) => {
    const [held] = await unit.load([{ streamId: x.streamId, streamType: x.streamType, decider: x.decider }]);
    unit.expect(held, x.expectedVersion);
    return unit.decide(held, x.decider, x.command);
  });

/**
 * Load → decide → append with the version that was read, a unit of work of one stream. A command that
 * decides nothing writes nothing. A concurrent change is decided again on the new state (with If-Match,
 * that state's version is not the one named: 412).
 */
export const execute = <S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  x: Execution<S, C, E>,
): Promise<{ state: S; version: number; events: E[] }> => onOneStream(ctx, x);

/**
 * Load → decide → append inside a transaction someone else holds (a consumer's batch, a unit of work
 * over several streams): a lost race fails the whole transaction, which its holder decides again.
 */
export const decideIn = <S, C, E extends DomainEvent>(
  ctx: ServiceContext,
  tx: Tx,
  x: Decision<S, C, E>,
): Promise<Decided<S, E>> => onOneStream(ctx, x, tx);
