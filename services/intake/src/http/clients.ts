import {
  AddressBody,
  AssignCaseManagerBody,
  ClientIdParams,
  ClientPage,
  ClientRecord,
  ClientSearchQuery,
  ContactDetailsBody,
  CorrectDetailsBody,
  commandProblems,
  DeathBody,
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

export function sendRecord(reply: FastifyReply, result: { state: Registered; version: number }) {
  reply.header('etag', `"${result.version}"`);
  return toRecord(result.state, result.version);
}

export const clientRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const schema = ctx.store.schema;

  app.post(
    '/v1/clients',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Register a person',
        description:
          'ЕГН or ЛНЧ, or neither for a provisional record of a foreigner. The same person twice is 409 ' +
          'with a link to the existing record; nothing is written.',
        body: RegisterClientBody,
        response: { 201: ClientRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      assertMayAsk(scopeOf(request), { municipality: request.body.municipality });
      const result = await registerClient(ctx, request.body, causeOf(request, request.body.municipality));
      reply.status(201).header('location', `/v1/clients/${result.clientId}`);
      return sendRecord(reply, result);
    },
  );

  app.get(
    '/v1/clients',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Search clients by identifier, name or case number, within your municipality',
        querystring: ClientSearchQuery,
        response: { 200: ClientPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const j = scopeOf(request);
      const q = request.query;
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
      const page = await searchClients(ctx.store.db, schema, j, {
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
    },
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
      const state = result.state as Registered;
      await logAccess(ctx, request, 'read', [state]);
      return sendRecord(reply, { state, version: result.version });
    },
  );

  app.post(
    '/v1/clients/:clientId/corrections',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Correct personal details, with a reason (history is kept; honours If-Match)',
        params: ClientIdParams,
        body: CorrectDetailsBody,
        response: { 200: ClientRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { clientId } = request.params;
      const result = await correctDetails(
        ctx,
        scopeOf(request),
        clientId,
        request.body,
        ifMatch(request),
        causeOf(request),
      );
      return sendRecord(reply, result);
    },
  );

  /** Routes that run one command on the client stream and answer with the record. */
  const command = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    toCommand: (body: z.infer<B>, request: FastifyRequest) => ClientCommand,
    roles: readonly string[] = STAFF,
  ) =>
    app.post(
      `/v1/clients/:clientId/${path}`,
      {
        config: { roles: roles as typeof STAFF },
        schema: {
          tags: ['intake'],
          summary,
          params: ClientIdParams,
          body,
          response: { 200: ClientRecord, ...commandProblems },
        },
      },
      async (request, reply) => {
        const { clientId } = request.params as { clientId: string };
        const c = toCommand(request.body as z.infer<B>, request);
        const result = await runClientCommand(ctx, scopeOf(request), clientId, c, ifMatch(request), {
          ...causeOf(request),
          ...('validFrom' in c ? { effectiveDate: c.validFrom } : {}),
        });
        return sendRecord(reply, result);
      },
    );

  command('contact-details', "Record the client's phone and e-mail", ContactDetailsBody, (b) => ({
    type: 'RecordContactDetails',
    ...(b.phone ? { phone: b.phone } : {}),
    ...(b.email ? { email: b.email } : {}),
  }));
  command('addresses', 'Record a permanent or current address from a date', AddressBody, (b) => ({
    type: 'RecordAddress',
    kind: b.kind,
    municipality: b.municipality,
    settlement: b.settlement,
    line: b.line,
    ...(b.postcode ? { postcode: b.postcode } : {}),
    validFrom: b.validFrom,
  }));
  command('move', 'The case moves to another municipality from a date', MoveBody, (b) => ({
    type: 'RecordMove',
    to: b.to,
    movedOn: b.movedOn,
  }));
  command('death', 'Record the death of the client', DeathBody, (b) => ({
    type: 'RecordDeath',
    diedOn: b.diedOn,
    today: sofiaDate(ctx.clock()),
  }));
  command('case-manager', 'Assign or reassign the responsible case manager', AssignCaseManagerBody, (b) => ({
    type: 'AssignCaseManager',
    caseManager: b.caseManager,
    since: b.since,
  }));
  command('household-members', 'Add a member of the household from a date', HouseholdMemberBody, (b) => ({
    type: 'AddHouseholdMember',
    memberId: ctx.newId(),
    relation: b.relation,
    givenName: b.givenName,
    familyName: b.familyName,
    ...(b.birthDate ? { birthDate: b.birthDate } : {}),
    ...(b.memberClientId ? { memberClientId: b.memberClientId } : {}),
    from: b.from,
  }));

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
      return sendRecord(reply, result);
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
      return sendRecord(reply, result);
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
      return sendRecord(reply, result);
    },
  );
};
