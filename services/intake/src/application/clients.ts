import {
  type CorrectDetailsBody,
  conflictWith,
  intakeEvents,
  type LocalDate,
  missing,
  parseEgn,
  type RegisterClientBody,
  sofiaDate,
} from '@casework/contracts';
import {
  byName,
  type Cause,
  covers,
  execute,
  type Held,
  type Jurisdiction,
  loadAggregate,
  type ServiceContext,
  type UnitOfWork,
  unitOfWork,
} from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { type Client, type ClientCommand, clientDecider, type Registered } from '../domain/client.js';
import { claimDecider, clientStream, identifierHash, identifierStream } from '../domain/identifierClaim.js';

export const definitions = byName(intakeEvents);

type Identifier = { kind: 'egn' | 'lnch'; value: string };

/** A client the caller may see (their jurisdiction owns it), else 404: outside scope reads as absent. */
export async function visibleClient(ctx: ServiceContext, j: Jurisdiction, clientId: string) {
  const { state, version } = await loadAggregate(ctx, clientStream(clientId), clientDecider);
  assertVisible(j, clientId, state);
  return { state, version };
}

/** A client the caller may not see reads as absent (404), whatever the reason. */
function assertVisible(j: Jurisdiction, clientId: string, state: Client): asserts state is Registered {
  if (state.status === 'unknown' || !covers(j, state.municipality)) throw missing(`client ${clientId}`);
}

/** A client's stream in a unit of work. */
const clientOf = (clientId: string, fresh = false) => ({
  streamId: clientStream(clientId),
  streamType: 'client',
  decider: clientDecider,
  fresh,
});
/** An identifier's claim in a unit of work: usually free, so a registration takes it as new unread. */
const claimOf = (ctx: ServiceContext, identifier: Identifier, fresh = false) => ({
  streamId: identifierStream(identifierHash(ctx.secrets.identifierKey, identifier)),
  streamType: 'identifier',
  decider: claimDecider,
  fresh,
});

/** Where a registration or correction would move the case if the identifier belongs to another scope. */
export const REGISTERED_ELSEWHERE = 'CLIENT_REGISTERED_ELSEWHERE';

/**
 * An identifier is held by another client. Inside the caller's scope the answer links that record;
 * outside it, it says only that the person is registered elsewhere and how to have the case
 * transferred: no id, no link, no municipality (issue 14: no oracle across municipalities).
 */
async function refuseHeld(ctx: ServiceContext, j: Jurisdiction, holder: string): Promise<never> {
  const { state } = await loadAggregate(ctx, clientStream(holder), clientDecider);
  if (state.status !== 'unknown' && covers(j, state.municipality))
    throw conflictWith('CLIENT_ALREADY_REGISTERED', 'this person is already registered', {
      existing: { clientId: holder, href: `/v1/clients/${holder}` },
    });
  throw conflictWith(
    REGISTERED_ELSEWHERE,
    'this person is registered by another municipality; to take the case over, ask the municipality ' +
      'that holds it to transfer the case to yours (it records the move of the client), or ask your supervisor',
  );
}

/** An ЕГН encodes birth date and sex; otherwise the request states them. */
function birthFacts(
  identifier: Identifier | undefined,
  stated: { birthDate?: LocalDate; sex?: 'male' | 'female' },
) {
  const egn = identifier?.kind === 'egn' ? parseEgn(identifier.value) : undefined;
  if (egn?.ok) return egn.facts;
  return { birthDate: stated.birthDate, sex: stated.sex };
}

/**
 * Case numbers: unique nationally, from a sequence taken a block at a time (one round trip per block,
 * not per registration). Gaps are allowed: a failed registration uses a number up.
 */
type Block = { numbers: number[]; refill?: Promise<void> };
const blocks = new WeakMap<object, Block>();
const BLOCK = 50;

async function nextCaseNumber(ctx: ServiceContext, municipality: string, today: LocalDate) {
  const block = blocks.get(ctx.store) ?? { numbers: [] };
  blocks.set(ctx.store, block);
  while (block.numbers.length === 0) {
    block.refill ??= (async () => {
      const { rows } = await sql<{
        n: string;
      }>`SELECT nextval(${`${ctx.store.schema}.case_numbers`}::regclass)::text AS n
        FROM generate_series(1, ${BLOCK})`.execute(ctx.store.db);
      block.numbers.push(...rows.map((r) => Number(r.n)).sort((x, y) => x - y));
    })().finally(() => {
      block.refill = undefined;
    });
    await block.refill;
  }
  const n = block.numbers.shift()!;
  return `${municipality}-${today.slice(0, 4)}-${String(n).padStart(6, '0')}`;
}

/**
 * Registers a person once: the client stream and a claim on the identifier's keyed hash are appended
 * together, so a second registration of the same person fails on the claim and writes nothing. The
 * claim is first taken as a new stream (the usual case: one round trip); if it exists, the unit of work
 * reads it and decides again. A provisional record (no identifier) claims nothing.
 */
export async function registerClient(
  ctx: ServiceContext,
  j: Jurisdiction,
  input: RegisterClientBody,
  cause: Cause,
) {
  const clientId = ctx.newId();
  const today = sofiaDate(ctx.clock());
  const facts = birthFacts(input.identifier, input);
  const register = {
    type: 'RegisterClient' as const,
    clientId,
    ...(input.identifier ? { identifier: input.identifier } : {}),
    givenName: input.givenName,
    familyName: input.familyName,
    birthDate: facts.birthDate!,
    sex: facts.sex ?? ('unknown' as const),
    municipality: input.municipality,
    caseNumber: await nextCaseNumber(ctx, input.municipality, today),
    today,
  };
  return unitOfWork(ctx, { definitions, cause }, async (unit) => {
    const [client] = await unit.load([clientOf(clientId, true)]);
    const registered = unit.decide(client, clientDecider, register);
    if (input.identifier) {
      const [claim] = await unit.load([claimOf(ctx, input.identifier, true)]);
      if (claim.state.holder) await refuseHeld(ctx, j, claim.state.holder);
      unit.decide(claim, claimDecider, { type: 'Claim', clientId });
    }
    return { clientId, version: registered.version, state: registered.state as Registered };
  });
}

/**
 * Corrects personal details with a reason. A changed identifier moves its claim: the old hash is
 * released and the new one claimed in the same append, so a clash with another client writes nothing.
 */
export async function correctDetails(
  ctx: ServiceContext,
  j: Jurisdiction,
  clientId: string,
  input: z.infer<typeof CorrectDetailsBody>,
  expectedVersion: number | undefined,
  cause: Cause,
) {
  const facts = input.identifier ? birthFacts(input.identifier, input) : input;
  // a record changed meanwhile is the caller's to read again: an identity is not corrected on one unseen
  return unitOfWork(ctx, { definitions, cause, decideAgain: false }, async (unit) => {
    const [client] = await unit.load([clientOf(clientId)]);
    assertVisible(j, clientId, client.state);
    unit.expect(client, expectedVersion);
    const registered = client.state;
    const corrected = unit.decide(client, clientDecider, {
      type: 'CorrectDetails',
      ...(input.identifier ? { identifier: input.identifier } : {}),
      ...(input.givenName ? { givenName: input.givenName } : {}),
      ...(input.familyName ? { familyName: input.familyName } : {}),
      ...(facts.birthDate ? { birthDate: facts.birthDate } : {}),
      ...(facts.sex ? { sex: facts.sex } : {}),
      reason: input.reason,
      today: sofiaDate(ctx.clock()),
    });
    const moved =
      input.identifier &&
      (input.identifier.kind !== registered.identifier?.kind ||
        input.identifier.value !== registered.identifier?.value);
    if (moved) {
      // the new claim taken and the old released, read together
      const [next, old] = await unit.load([
        claimOf(ctx, input.identifier!),
        ...(registered.identifier ? [claimOf(ctx, registered.identifier)] : []),
      ]);
      if (next.state.holder && next.state.holder !== clientId) await refuseHeld(ctx, j, next.state.holder);
      unit.decide(next, claimDecider, { type: 'Claim', clientId });
      if (old) unit.decide(old, claimDecider, { type: 'Release', clientId });
    }
    return { state: corrected.state as Registered, version: corrected.version };
  });
}

/** Any single-stream command on a visible client (contacts, addresses, move, death, case manager, household). */
export async function runClientCommand(
  ctx: ServiceContext,
  j: Jurisdiction,
  clientId: string,
  command: ClientCommand,
  expectedVersion: number | undefined,
  cause: Cause,
) {
  const { state } = await visibleClient(ctx, j, clientId);
  const { municipality } = state as Registered;
  // a household member who is a client too must be one the caller can see
  if (command.type === 'AddHouseholdMember' && command.memberClientId)
    await visibleClient(ctx, j, command.memberClientId);
  const r = await execute(ctx, {
    streamId: clientStream(clientId),
    streamType: 'client',
    decider: clientDecider,
    definitions,
    command,
    expectedVersion,
    cause: { municipality, ...cause },
  });
  // the answer is read where the caller found the record: after a move, the municipality it left
  return { state: r.state as Registered, version: r.version, readIn: municipality };
}

/**
 * Merges a duplicate record into a survivor: both streams in one append, so either both say it or
 * neither does. Unmerging appends the reverse to both. No event is ever removed.
 */
export async function mergeClients(
  ctx: ServiceContext,
  j: Jurisdiction,
  survivorId: string,
  duplicateId: string,
  reason: string,
  expectedVersion: number | undefined,
  cause: Cause,
) {
  const today = sofiaDate(ctx.clock());
  return onBoth(
    ctx,
    j,
    { survivorId, otherId: duplicateId, expectedVersion, cause },
    (unit, survivor, duplicate) => {
      const absorbed = unit.decide(survivor, clientDecider, {
        type: 'AbsorbDuplicate',
        mergedId: duplicateId,
        today,
      });
      unit.decide(duplicate, clientDecider, { type: 'MergeInto', survivorId, reason });
      return absorbed;
    },
  );
}

export async function unmergeClients(
  ctx: ServiceContext,
  j: Jurisdiction,
  survivorId: string,
  mergedId: string,
  reason: string,
  expectedVersion: number | undefined,
  cause: Cause,
) {
  const today = sofiaDate(ctx.clock());
  return onBoth(
    ctx,
    j,
    { survivorId, otherId: mergedId, expectedVersion, cause },
    (unit, survivor, merged) => {
      const released = unit.decide(survivor, clientDecider, { type: 'ReleaseMerged', mergedId, today });
      unit.decide(merged, clientDecider, { type: 'UndoMerge', survivorId, reason });
      return released;
    },
  );
}

/**
 * A merge or its undoing: both records read together, each one the caller may see, the survivor at the
 * version If-Match named; both streams appended in one append, so either both say it or neither does.
 */
function onBoth(
  ctx: ServiceContext,
  j: Jurisdiction,
  o: { survivorId: string; otherId: string; expectedVersion: number | undefined; cause: Cause },
  decide: (
    unit: UnitOfWork,
    survivor: Held<Client>,
    other: Held<Client>,
  ) => { state: Client; version: number },
) {
  // either record changed meanwhile: the caller's to read again, never merged as they did not see it
  return unitOfWork(ctx, { definitions, cause: o.cause, decideAgain: false }, async (unit) => {
    const [survivor, other] = await unit.load([clientOf(o.survivorId), clientOf(o.otherId)]);
    assertVisible(j, o.survivorId, survivor.state);
    assertVisible(j, o.otherId, other.state);
    unit.expect(survivor, o.expectedVersion);
    const r = decide(unit, survivor, other);
    return { state: r.state as Registered, version: r.version };
  });
}
