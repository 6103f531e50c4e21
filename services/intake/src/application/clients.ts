import {
  type CorrectDetailsBody,
  conflictWith,
  intakeEvents,
  type LocalDate,
  missing,
  parseEgn,
  type RegisterClientBody,
  sofiaDate,
  staleVersion,
} from '@casework/contracts';
import { ConcurrencyError } from '@casework/eventstore';
import {
  appendOf,
  byName,
  type Cause,
  covers,
  execute,
  type Jurisdiction,
  loadAggregate,
  type ServiceContext,
} from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { type ClientCommand, clientDecider, type Registered } from '../domain/client.js';
import { claimDecider, clientStream, identifierHash, identifierStream } from '../domain/identifierClaim.js';

export const definitions = byName(intakeEvents);

type Identifier = { kind: 'egn' | 'lnch'; value: string };

/** A client the caller may see (their jurisdiction owns it), else 404: outside scope reads as absent. */
export async function visibleClient(ctx: ServiceContext, j: Jurisdiction, clientId: string) {
  const { state, version } = await loadAggregate(ctx, clientStream(clientId), clientDecider);
  if (state.status === 'unknown' || !covers(j, state.municipality)) throw missing(`client ${clientId}`);
  return { state, version };
}

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

const claimOf = async (ctx: ServiceContext, identifier: Identifier) => {
  const streamId = identifierStream(identifierHash(ctx.secrets.identifierKey, identifier));
  const { state, version } = await loadAggregate(ctx, streamId, claimDecider);
  return { streamId, state, version };
};

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
 * claim is first tried as a new stream (the usual case: one round trip); if it exists, it is read and
 * decided on. A provisional record (no identifier) claims nothing.
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
  const events = clientDecider.decide(
    {
      type: 'RegisterClient',
      clientId,
      ...(input.identifier ? { identifier: input.identifier } : {}),
      givenName: input.givenName,
      familyName: input.familyName,
      birthDate: facts.birthDate!,
      sex: facts.sex ?? 'unknown',
      municipality: input.municipality,
      caseNumber: await nextCaseNumber(ctx, input.municipality, today),
      today,
    },
    clientDecider.initialState,
  );
  const stream = { streamId: clientStream(clientId), streamType: 'client', version: 0 };
  const client = appendOf(ctx, stream, events, definitions, cause);
  const claimId =
    input.identifier && identifierStream(identifierHash(ctx.secrets.identifierKey, input.identifier));
  let claim = claimId ? { streamId: claimId, state: claimDecider.initialState, version: 0 } : undefined;
  for (;;) {
    if (claim?.state.holder) await refuseHeld(ctx, j, claim.state.holder);
    const claimed = claim ? claimDecider.decide({ type: 'Claim', clientId }, claim.state) : [];
    try {
      const result = await ctx.store.append([
        client,
        ...(claim
          ? [appendOf(ctx, { ...claim, streamType: 'identifier' }, claimed, definitions, cause)]
          : []),
      ]);
      return {
        clientId,
        version: result.streams[0]!.version,
        state: events.reduce(clientDecider.evolve, clientDecider.initialState) as Registered,
      };
    } catch (e) {
      if (!(e instanceof ConcurrencyError) || !claim || e.streamId !== claim.streamId) throw e;
      // the identifier was claimed before (or released since): decide on what its claim says now
      claim = { streamId: claim.streamId, ...(await loadAggregate(ctx, claim.streamId, claimDecider)) };
    }
  }
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
  const { state, version } = await visibleClient(ctx, j, clientId);
  if (expectedVersion !== undefined && expectedVersion !== version) {
    throw staleVersion();
  }
  const facts = input.identifier ? birthFacts(input.identifier, input) : input;
  const events = clientDecider.decide(
    {
      type: 'CorrectDetails',
      ...(input.identifier ? { identifier: input.identifier } : {}),
      ...(input.givenName ? { givenName: input.givenName } : {}),
      ...(input.familyName ? { familyName: input.familyName } : {}),
      ...(facts.birthDate ? { birthDate: facts.birthDate } : {}),
      ...(facts.sex ? { sex: facts.sex } : {}),
      reason: input.reason,
      today: sofiaDate(ctx.clock()),
    },
    state,
  );
  const registered = state as Registered;
  const moved =
    input.identifier &&
    (input.identifier.kind !== registered.identifier?.kind ||
      input.identifier.value !== registered.identifier?.value);
  const claims = [];
  if (moved) {
    const next = await claimOf(ctx, input.identifier!);
    if (next.state.holder && next.state.holder !== clientId) await refuseHeld(ctx, j, next.state.holder);
    claims.push({
      ...next,
      streamType: 'identifier',
      events: claimDecider.decide({ type: 'Claim', clientId }, next.state),
    });
    if (registered.identifier) {
      const old = await claimOf(ctx, registered.identifier);
      claims.push({
        ...old,
        streamType: 'identifier',
        events: claimDecider.decide({ type: 'Release', clientId }, old.state),
      });
    }
  }
  if (events.length === 0) return { state: registered, version };
  const result = await ctx.store.append([
    appendOf(
      ctx,
      { streamId: clientStream(clientId), streamType: 'client', version },
      events,
      definitions,
      cause,
    ),
    ...claims.filter((c) => c.events.length > 0).map((c) => appendOf(ctx, c, c.events, definitions, cause)),
  ]);
  return {
    state: events.reduce(clientDecider.evolve, state) as Registered,
    version: result.streams[0]!.version,
  };
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
  const survivor = await visibleClient(ctx, j, survivorId);
  const duplicate = await visibleClient(ctx, j, duplicateId);
  if (expectedVersion !== undefined && expectedVersion !== survivor.version) {
    throw staleVersion();
  }
  const today = sofiaDate(ctx.clock());
  const absorbed = clientDecider.decide(
    { type: 'AbsorbDuplicate', mergedId: duplicateId, today },
    survivor.state,
  );
  const folded = clientDecider.decide({ type: 'MergeInto', survivorId, reason }, duplicate.state);
  return appendBoth(ctx, survivor, duplicate, absorbed, folded, cause);
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
  const survivor = await visibleClient(ctx, j, survivorId);
  const merged = await visibleClient(ctx, j, mergedId);
  if (expectedVersion !== undefined && expectedVersion !== survivor.version) {
    throw staleVersion();
  }
  const today = sofiaDate(ctx.clock());
  const released = clientDecider.decide({ type: 'ReleaseMerged', mergedId, today }, survivor.state);
  const restored = clientDecider.decide({ type: 'UndoMerge', survivorId, reason }, merged.state);
  return appendBoth(ctx, survivor, merged, released, restored, cause);
}

async function appendBoth(
  ctx: ServiceContext,
  a: Awaited<ReturnType<typeof visibleClient>>,
  b: Awaited<ReturnType<typeof visibleClient>>,
  aEvents: ReturnType<typeof clientDecider.decide>,
  bEvents: ReturnType<typeof clientDecider.decide>,
  cause: Cause,
) {
  const idOf = (s: typeof a.state) => (s as Registered).clientId;
  const appends = [
    {
      stream: { streamId: clientStream(idOf(a.state)), streamType: 'client', version: a.version },
      events: aEvents,
    },
    {
      stream: { streamId: clientStream(idOf(b.state)), streamType: 'client', version: b.version },
      events: bEvents,
    },
  ].filter((x) => x.events.length > 0);
  if (appends.length === 0) return { state: a.state as Registered, version: a.version };
  const result = await ctx.store.append(
    appends.map((x) => appendOf(ctx, x.stream, x.events, definitions, cause)),
  );
  const aVersion =
    result.streams.find((s) => s.streamId === clientStream(idOf(a.state)))?.version ?? a.version;
  return { state: aEvents.reduce(clientDecider.evolve, a.state) as Registered, version: aVersion };
}
