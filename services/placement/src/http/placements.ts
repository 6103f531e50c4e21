import {
  AbsenceParams,
  AdmitBody,
  commandProblems,
  DischargeBody,
  EndAbsenceBody,
  PlacementPage,
  PlacementParams,
  PlacementRecord,
  PlacementsQuery,
  Problem,
  RenewBody,
  StartAbsenceBody,
  sofiaDate,
  TransferBody,
} from '@casework/contracts';
import {
  causeOf,
  decodeCursor,
  forbidden,
  jurisdictionOf,
  logAccess,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { recordAbsence } from '../application/absences.js';
import { admit } from '../application/admit.js';
import { discharge } from '../application/discharge.js';
import { renew } from '../application/renew.js';
import { transfer } from '../application/transfer.js';
import type { ClientPlacements, Stay } from '../domain/clientPlacements.js';
import { listPlacements, statusOn } from '../projections/stayQueries.js';
import { namingOnlyVisibleStays, visible } from './visible.js';

/** Placements name a person: the owning municipality's staff and national integrators read them. */
const READERS = ['case_manager', 'supervisor', 'integrator'] as const;
const STAFF = ['case_manager', 'supervisor'] as const;

type PlacementView = z.infer<typeof PlacementRecord>;

function placementRecord(
  state: ClientPlacements,
  placementId: string,
  version: number,
  today: string,
): PlacementView {
  const { to, endReason, destination, ...s } = state.stays.get(placementId) as Stay;
  return {
    ...s,
    placementId,
    clientId: state.clientId!,
    status: statusOn({ from: s.from, to }, today),
    ...(to !== null ? { endedOn: to } : {}),
    ...(endReason ? { endReason } : {}),
    ...(destination ? { destination } : {}),
    version,
  };
}

export const placementRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const today = () => sofiaDate(ctx.clock());
  const jurisdiction = (request: FastifyRequest) => jurisdictionOf(principalOf(request));
  /** The placement with its client's stream, if the caller's jurisdiction covers its municipality. */
  const visiblePlacement = (request: FastifyRequest, placementId: string) =>
    visible(ctx, request).placement(placementId);
  /** A placement as a command or a read answers it: a read of the client's record, logged (any role). */
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    r: { placementId: string; state: ClientPlacements; version: number },
    status = 200,
  ) => {
    reply
      .status(status)
      .header('etag', `"${r.version}"`)
      .header('location', `/v1/placements/${r.placementId}`);
    return shown(ctx, request, placementRecord(r.state, r.placementId, r.version, today()));
  };

  app.post(
    '/v1/placements',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary:
          'Admit a client to a site: on an accepted offer, or in an emergency (a supervisor, with a written ' +
          'justification); either way with a valid eligibility determination and a vacancy on the date',
        body: AdmitBody,
        response: { 201: PlacementRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { offerId, emergency, ...b } = request.body;
      const caller = principalOf(request);
      if (emergency && !caller.roles.some((r) => r === 'supervisor' || r === 'admin'))
        throw forbidden('an emergency admission is for supervisors');
      // every id the body names is the caller's, before any rule runs (else 404, as if absent)
      const scope = visible(ctx, request);
      await scope.checkSite(b.siteId);
      const directoryEntry = await scope.client(b.clientId);
      if (offerId) await scope.offer(offerId);
      const basis = emergency
        ? { kind: 'emergency' as const, ...emergency, supervisor: caller.sub }
        : { kind: 'offer' as const, offerId: offerId! };
      const r = await namingOnlyVisibleStays(scope, () =>
        admit(ctx, { ...b, basis, directoryEntry }, causeOf(request)),
      );
      return send(request, reply, r, 201);
    },
  );

  app.get(
    '/v1/placements/:placementId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['placement'],
        summary: 'A placement: where, from when, on what basis, and how it ended',
        params: PlacementParams,
        response: { 200: PlacementRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { state, version } = await visiblePlacement(request, request.params.placementId);
      return send(request, reply, { placementId: request.params.placementId, state, version });
    },
  );

  app.post(
    '/v1/placements/:placementId/transfer',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'Move the client to another site on a date, all or nothing: no gap, no overlap',
        params: PlacementParams,
        body: TransferBody,
        response: { 201: PlacementRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const scope = visible(ctx, request);
      await scope.placement(request.params.placementId);
      await scope.checkSite(request.body.toSiteId);
      if (request.body.offerId) await scope.offer(request.body.offerId);
      const r = await namingOnlyVisibleStays(scope, () =>
        transfer(ctx, { placementId: request.params.placementId, ...request.body }, causeOf(request)),
      );
      return send(request, reply, r, 201);
    },
  );

  app.post(
    '/v1/placements/:placementId/renewals',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary:
          "Renew a residential stay's fixed term after a review (special-status social housing: once by default)",
        params: PlacementParams,
        body: RenewBody,
        response: { 200: PlacementRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      await visiblePlacement(request, request.params.placementId);
      return send(
        request,
        reply,
        await renew(ctx, { placementId: request.params.placementId, ...request.body }, causeOf(request)),
      );
    },
  );

  app.post(
    '/v1/placements/:placementId/discharge',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'End a stay on a date (a late record corrects occupancy from that date on)',
        params: PlacementParams,
        body: DischargeBody,
        response: { 200: PlacementRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const scope = visible(ctx, request);
      await scope.placement(request.params.placementId);
      const { destination } = request.body;
      if (destination.kind === 'site') await scope.checkSite(destination.siteId);
      const r = await discharge(
        ctx,
        { placementId: request.params.placementId, ...request.body },
        causeOf(request),
      );
      return send(request, reply, r);
    },
  );

  app.post(
    '/v1/placements/:placementId/absences',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'A temporary absence begins (hospital, holiday…): the place is kept',
        params: PlacementParams,
        body: StartAbsenceBody,
        response: { 201: PlacementRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      await visiblePlacement(request, request.params.placementId);
      const r = await recordAbsence(
        ctx,
        request.params.placementId,
        { type: 'start', ...request.body },
        causeOf(request),
      );
      return send(request, reply, r, 201);
    },
  );

  app.post(
    '/v1/placements/:placementId/absences/:absenceId/end',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'The person is back; past the yearly limit (hospital stays not counted) a task is opened',
        params: AbsenceParams,
        body: EndAbsenceBody,
        response: { 200: PlacementRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      await visiblePlacement(request, request.params.placementId);
      const r = await recordAbsence(
        ctx,
        request.params.placementId,
        { type: 'end', absenceId: request.params.absenceId, returnedOn: request.body.returnedOn },
        causeOf(request),
      );
      return send(request, reply, r);
    },
  );

  app.get(
    '/v1/placements',
    {
      config: { roles: READERS },
      schema: {
        tags: ['placement'],
        summary: "Placements in the caller's municipality, by client, site or date in service",
        querystring: PlacementsQuery,
        response: { 200: PlacementPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdiction(request);
      // a site named is the caller's (else 404); a client named only narrows rows already in scope (a
      // client who moved away keeps their stays with the municipality that holds them)
      if (q.siteId) await visible(ctx, request).checkSite(q.siteId);
      const page = await listPlacements(
        ctx,
        { ...q, jurisdiction: j, after: decodeCursor(q.cursor, 2) },
        today(),
      );
      await logAccess(
        ctx,
        request,
        'search',
        page.items.map((r) => ({ clientId: r.clientId, municipality: r.municipality })),
      );
      return page;
    },
  );
};
