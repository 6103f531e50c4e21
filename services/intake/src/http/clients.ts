import {
  AddressBody,
  AssignCaseManagerBody,
  ClientIdParams,
  ClientPage,
  ClientRecord,
  ClientSearchBody,
  ClientSearchQuery,
  ContactDetailsBody,
  CorrectDetailsBody,
  commandProblems,
  DeathBody,
  DomainError,
  HouseholdMemberBody,
  MemberLeftBody,
  MergeBody,
  MoveBody,
  Problem,
  RegisterClientBody,
  sofiaDate,
  UnmergeBody,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  ifMatch,
  type Jurisdiction,
  jurisdictionOf,
  loadAggregate,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { logAccess } from '../application/accessLog.js';
import {
  correctDetails,
  mergeClients,
  REGISTERED_ELSEWHERE,
  registerClient,
  runClientCommand,
  unmergeClients,
  visibleClient,
} from '../application/clients.js';
import type { ClientCommand, Registered } from '../domain/client.js';
import { claimDecider, identifierHash, identifierStream } from '../domain/identifierClaim.js';
import { searchClients } from '../projections/clients.js';

export const STAFF = ['case_manager', 'supervisor'] as const;

/** The latest address of each kind: what the record shows (the history stays in the stream). */
const currentAddresses = (s: Registered) =>
  (['permanent', 'current'] as const).flatMap((kind) => {
    const latest = s.addresses
      .filter((a) => a.kind === kind)
      .reduce<Registered['addresses'][number] | undefined>(
        (b, a) => (!b || a.validFrom >= b.validFrom ? a : b),
        undefined,
      );
    if (!latest) return [];
    const { clientId: _, ...address } = latest;
    return [address];
  });

export const toRecord = (s: Registered, version: number): ClientRecord => ({
  clientId: s.clientId,
  ...(s.caseNumber ? { caseNumber: s.caseNumber } : {}),
  status: s.status,
  ...(s.identifier ? { identifier: s.identifier } : {}),
  identifierKind: s.identifier?.kind ?? 'none',
  givenName: s.givenName,
  familyName: s.familyName,
  birthDate: s.birthDate,
  sex: s.sex,
  municipality: s.municipality,
  registeredOn: s.registeredOn,
  ...(s.diedOn ? { diedOn: s.diedOn } : {}),
  ...(s.mergedInto ? { mergedInto: s.mergedInto } : {}),
  mergedClients: s.mergedClients,
  ...(s.contact ? { contact: s.contact } : {}),
  addresses: currentAddresses(s),
  ...(s.caseManager ? { caseManager: s.caseManager } : {}),
  household: s.household.filter((m) => !m.leftOn).map(({ leftOn: _, ...m }) => m),
  version,
});

const scopeOf = (request: FastifyRequest) => jurisdictionOf(principalOf(request));

/**
 * Answers with a client's record. Showing it is a read of personal data, whichever route shows it (a
 * command's answer too): it is written to the access log first (issue 14, hole 5).
 */
export async function sendRecord(
  ctx: ServiceContext,
  request: FastifyRequest,
  reply: FastifyReply,
  result: { state: Registered; version: number; readIn?: string },
) {
  // logged under the municipality whose staff read it (a move's answer: the one the client left)
  const { clientId, municipality } = result.state;
  await logAccess(ctx, request, 'read', [{ clientId, municipality: result.readIn ?? municipality }]);
  reply.header('etag', `"${result.version}"`);
  return toRecord(result.state, result.version);
}

/**
 * Registering (or correcting to) an identifier held outside the caller's scope is answered without
 * naming the record, logged without the identifier, and counted against the caller: after a few such
 * probes in a window the caller gets 429 on registrations and corrections (issue 14, hole 2). A
 * request naming an identifier takes its probe slot before the command runs, so concurrent requests
 * can never run more probes than the allowance, and gives it back when the command turns out not to
 * be one; a request naming none cannot be a probe and is only refused once the allowance is used up.
 */
async function probed<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  namesIdentifier: boolean,
  run: () => Promise<T>,
): Promise<T> {
  const { throttles } = request.server;
  const slot = namesIdentifier
    ? await throttles.reserve(request, reply, 'identifierProbe')
    : await throttles.check(request, reply, 'identifierProbe');
  let probe = false;
  try {
    return await run();
  } catch (e) {
    if (e instanceof DomainError && e.code === REGISTERED_ELSEWHERE) {
      probe = true;
      const p = principalOf(request);
      request.log.warn(
        {
          actor: p.sub,
          role: p.roles.join(','),
          municipality: p.municipality ?? p.oblast ?? null,
          correlationId: request.id,
          route: request.routeOptions.url,
        },
        "registration of an identifier held outside the caller's scope",
      );
    }
    throw e;
  } finally {
    await (probe ? slot.keep() : slot.release());
  }
}

type Search = {
  identifier?: string | undefined;
  name?: string | undefined;
  caseNumber?: string | undefined;
  municipality?: ClientRecord['municipality'] | undefined;
  includeInactive: boolean;
  limit: number;
  cursor?: string | undefined;
};

/** A search within the caller's scope; each client shown is logged as a search. */
async function search(ctx: ServiceContext, request: FastifyRequest, j: Jurisdiction, q: Search) {
  if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
  let clientIds: string[] | undefined;
  if (q.identifier) {
    // the identifier is never stored in a searchable column: its keyed hash names the claim
    clientIds = [];
    for (const kind of ['egn', 'lnch'] as const) {
      const streamId = identifierStream(
        identifierHash(ctx.secrets.identifierKey, { kind, value: q.identifier }),
      );
      const { state } = await loadAggregate(ctx, streamId, claimDecider);
      if (state.holder) clientIds.push(state.holder);
    }
  }
  const page = await searchClients(ctx.store.db, ctx.store.schema, j, {
    ...(clientIds ? { clientIds } : {}),
    ...(q.name ? { name: q.name } : {}),
    ...(q.caseNumber ? { caseNumber: q.caseNumber } : {}),
    ...(q.municipality ? { municipality: q.municipality } : {}),
    includeInactive: q.includeInactive,
    limit: q.limit,
    cursor: q.cursor,
  });
  await logAccess(ctx, request, 'search', page.items);
  return page;
}

const TOO_MANY = { 429: Problem };

export const clientRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/clients',
    {
      config: { roles: STAFF, limit: 'registration' },
      schema: {
        tags: ['intake'],
        summary: 'Register a person',
        description:
          'ЕГН or ЛНЧ, or neither for a provisional record of a foreigner. The same person twice is 409 ' +
          'with a link to the existing record; nothing is written. A person registered by a municipality ' +
          'outside your scope is 409 `client-registered-elsewhere`, which names no record: ask that ' +
          'municipality to transfer the case. Such attempts are logged and, repeated, answered 429. ' +
          'Registrations are limited per caller (429 with Retry-After). Showing the record is a read, ' +
          'and logged.',
        body: RegisterClientBody,
        response: { 201: ClientRecord, ...commandProblems, ...TOO_MANY },
      },
    },
    async (request, reply) => {
      const j = scopeOf(request);
      assertMayAsk(j, { municipality: request.body.municipality });
      const result = await probed(request, reply, request.body.identifier !== undefined, () =>
        registerClient(ctx, j, request.body, causeOf(request, request.body.municipality)),
      );
      reply.status(201).header('location', `/v1/clients/${result.clientId}`);
      return sendRecord(ctx, request, reply, result);
    },
  );

  app.get(
    '/v1/clients',
    {
      config: { roles: STAFF, limit: 'search' },
      schema: {
        tags: ['intake'],
        summary: 'Search clients by name or case number, within your municipality',
        description:
          'An identifier never travels in a URL: search by ЕГН or ЛНЧ with POST /v1/clients/search ' +
          '(`identifier` here is refused). Searches are limited per caller (429 with Retry-After); each ' +
          'client shown is logged.',
        querystring: ClientSearchQuery,
        response: { 200: ClientPage, 400: Problem, 401: Problem, 403: Problem, ...TOO_MANY },
      },
    },
    async (request) => {
      const { name, caseNumber, municipality, includeInactive, limit, cursor } = request.query;
      return search(ctx, request, scopeOf(request), {
        name,
        caseNumber,
        municipality,
        includeInactive,
        limit,
        cursor,
      });
    },
  );

  app.post(
    '/v1/clients/search',
    {
      config: { roles: STAFF, limit: 'search' },
      // a read: an Idempotency-Key means nothing here, and no search answer is stored for a replay
      onRequest: async (request) => {
        delete request.headers['idempotency-key'];
      },
      schema: {
        tags: ['intake'],
        summary: 'Search clients by identifier, name or case number, within your municipality',
        description:
          'The search of GET /v1/clients with its criteria in the body, so that an ЕГН or ЛНЧ never ' +
          'travels in a URL. Read-only: nothing is written but the access log (each client shown, as a ' +
          'search). Limited per caller together with the GET (429 with Retry-After).',
        body: ClientSearchBody,
        response: { 200: ClientPage, 400: Problem, 401: Problem, 403: Problem, ...TOO_MANY },
      },
    },
    async (request) => search(ctx, request, scopeOf(request), request.body),
  );

  app.get(
    '/v1/clients/:clientId',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: "A client's personal record (staff of the owning municipality only; the read is logged)",
        params: ClientIdParams,
        response: { 200: ClientRecord, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const result = await visibleClient(ctx, scopeOf(request), request.params.clientId);
      return sendRecord(ctx, request, reply, { state: result.state as Registered, version: result.version });
    },
  );

  app.post(
    '/v1/clients/:clientId/corrections',
    {
      // a correction can change the identifier: limited per caller as registrations are
      config: { roles: STAFF, limit: 'registration' },
      schema: {
        tags: ['intake'],
        summary: 'Correct personal details, with a reason (history is kept; honours If-Match)',
        description:
          'Correcting to an identifier held outside your scope is answered as a registration is ' +
          '(409 `client-registered-elsewhere`, logged, 429 when repeated). Corrections count against ' +
          'the registration limit per caller (429 with Retry-After).',
        params: ClientIdParams,
        body: CorrectDetailsBody,
        response: { 200: ClientRecord, ...commandProblems, ...TOO_MANY },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params;
      const result = await probed(request, reply, request.body.identifier !== undefined, () =>
        correctDetails(ctx, scopeOf(request), clientId, request.body, ifMatch(request), causeOf(request)),
      );
      return sendRecord(ctx, request, reply, result);
    },
  );

  /** A route that runs one command on the client stream and answers with the record. */
  const commandRoute = <B extends z.ZodType>(summary: string, body: B) => ({
    config: { roles: STAFF },
    schema: {
      tags: ['intake'],
      summary,
      params: ClientIdParams,
      body,
      response: { 200: ClientRecord, ...commandProblems },
    },
  });
  /** Runs a command on the stream of the client the path names and answers with the record. */
  const runCommand = async (
    request: FastifyRequest<{ Params: z.infer<typeof ClientIdParams> }>,
    reply: FastifyReply,
    c: ClientCommand,
  ) => {
    const result = await runClientCommand(
      ctx,
      scopeOf(request),
      request.params.clientId,
      c,
      ifMatch(request),
      {
        ...causeOf(request),
        ...('validFrom' in c ? { effectiveDate: c.validFrom } : {}),
      },
    );
    return sendRecord(ctx, request, reply, result);
  };

  app.post(
    `/v1/clients/:clientId/contact-details`,
    commandRoute("Record the client's phone and e-mail", ContactDetailsBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, {
        type: 'RecordContactDetails',
        ...(b.phone ? { phone: b.phone } : {}),
        ...(b.email ? { email: b.email } : {}),
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/addresses`,
    commandRoute('Record a permanent or current address from a date', AddressBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, {
        type: 'RecordAddress',
        kind: b.kind,
        municipality: b.municipality,
        settlement: b.settlement,
        line: b.line,
        ...(b.postcode ? { postcode: b.postcode } : {}),
        validFrom: b.validFrom,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/move`,
    commandRoute('The case moves to another municipality from a date', MoveBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, {
        type: 'RecordMove',
        to: b.to,
        movedOn: b.movedOn,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/death`,
    commandRoute('Record the death of the client', DeathBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, {
        type: 'RecordDeath',
        diedOn: b.diedOn,
        today: sofiaDate(ctx.clock()),
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/case-manager`,
    commandRoute('Assign or reassign the responsible case manager', AssignCaseManagerBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, {
        type: 'AssignCaseManager',
        caseManager: b.caseManager,
        since: b.since,
      });
    },
  );
  app.post(
    `/v1/clients/:clientId/household-members`,
    commandRoute('Add a member of the household from a date', HouseholdMemberBody),
    (request, reply) => {
      const b = request.body;
      return runCommand(request, reply, {
        type: 'AddHouseholdMember',
        memberId: ctx.newId(),
        relation: b.relation,
        givenName: b.givenName,
        familyName: b.familyName,
        ...(b.birthDate ? { birthDate: b.birthDate } : {}),
        ...(b.memberClientId ? { memberClientId: b.memberClientId } : {}),
        from: b.from,
      });
    },
  );

  app.post(
    '/v1/clients/:clientId/household-members/:memberId/leave',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'A member leaves the household from a date',
        params: ClientIdParams.extend({ memberId: z.uuid() }),
        body: MemberLeftBody,
        response: { 200: ClientRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { clientId, memberId } = request.params;
      const result = await runClientCommand(
        ctx,
        scopeOf(request),
        clientId,
        { type: 'RecordMemberLeft', memberId, from: request.body.from },
        ifMatch(request),
        causeOf(request),
      );
      return sendRecord(ctx, request, reply, result);
    },
  );

  app.post(
    '/v1/clients/:clientId/merge',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['intake'],
        summary: 'Merge a duplicate record into this one (supervisors; reversible)',
        params: ClientIdParams,
        body: MergeBody,
        response: { 200: ClientRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const result = await mergeClients(
        ctx,
        scopeOf(request),
        request.params.clientId,
        request.body.duplicateId,
        request.body.reason,
        ifMatch(request),
        causeOf(request),
      );
      return sendRecord(ctx, request, reply, result);
    },
  );

  app.post(
    '/v1/clients/:clientId/unmerge',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['intake'],
        summary: 'Undo a merge: both records stand on their own again (supervisors)',
        params: ClientIdParams,
        body: UnmergeBody,
        response: { 200: ClientRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const result = await unmergeClients(
        ctx,
        scopeOf(request),
        request.params.clientId,
        request.body.mergedId,
        request.body.reason,
        ifMatch(request),
        causeOf(request),
      );
      return sendRecord(ctx, request, reply, result);
    },
  );
};
