import {
  commandProblems,
  DeclineOfferBody,
  EntryParams,
  MakeOfferBody,
  OfferParams,
  OfferRecord,
  Problem,
  ScoreEntryBody,
  SetPriorityBody,
  SiteParams,
  sofiaDate,
  WaitingListEntry,
  WaitingListPage,
  WaitingListQuery,
} from '@casework/contracts';
import { placementParameters } from '@casework/reference-data';
import {
  assertMayAsk,
  badRequest,
  causeOf,
  decodeCursor,
  encodeCursor,
  execute,
  forbidden,
  ifMatch,
  jurisdictionOf,
  notFound,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { answerOffer, makeOffer } from '../application/offers.js';
import { definitions, entryStream } from '../application/streams.js';
import { type Entry, type EntryCommand, entryDecider } from '../domain/entry.js';
import { pointsOf } from '../domain/ranking.js';
import { rankedList } from '../projections/waitingListQueries.js';
import { visible } from './visible.js';

/** Waiting lists name people: the owning municipality's staff read and run them. */
const STAFF = ['case_manager', 'supervisor'] as const;

type Position = z.infer<typeof WaitingListPage>['items'][number];

const offerOf = (r: {
  offer_id: string | null;
  offer_site_id: string | null;
  offer_status: 'open' | 'accepted' | null;
  offer_expires_after: string | null;
  admit_by: string | null;
}): Position['offer'] =>
  r.offer_id
    ? {
        offerId: r.offer_id,
        siteId: r.offer_site_id!,
        status: r.offer_status!,
        ...(r.offer_expires_after ? { expiresAfter: r.offer_expires_after } : {}),
        ...(r.admit_by ? { admitBy: r.admit_by } : {}),
      }
    : undefined;

export const waitingListRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const today = () => sofiaDate(ctx.clock());
  const jurisdiction = (request: FastifyRequest) => jurisdictionOf(principalOf(request));

  /** The entry, if the caller's jurisdiction covers its municipality (else 404). */
  const visibleEntry = (request: FastifyRequest, entryId: string) => visible(ctx, request).entry(entryId);

  const entryView = async (entry: Entry, version: number): Promise<z.infer<typeof WaitingListEntry>> => {
    const l = entry.listed!;
    const asOf = today();
    const ranked = await rankedList(ctx, ctx.store.db, l, asOf);
    const at = ranked.find((r) => r.entryId === l.entryId);
    const lines =
      l.serviceType === 'social_housing'
        ? pointsOf(
            entry.sheet,
            l.listedOn,
            asOf,
            placementParameters(l.municipality, asOf).socialHousingPoints,
          )
        : undefined;
    return {
      entryId: l.entryId,
      clientId: l.clientId,
      serviceType: l.serviceType,
      municipality: l.municipality,
      listedOn: l.listedOn,
      priorityClass: entry.priorityClass,
      ...(entry.crisis ? { crisis: entry.crisis } : {}),
      ...(lines ? { points: lines.reduce((n, x) => n + x.points, 0), pointsLines: lines } : {}),
      ...(entry.movedToEndOn ? { movedToEndOn: entry.movedToEndOn } : {}),
      daysWaiting: at?.daysWaiting ?? 0,
      ...(entry.offer
        ? {
            offer: {
              offerId: entry.offer.offerId,
              siteId: entry.offer.siteId,
              status: entry.offer.status,
              expiresAfter: entry.offer.expiresAfter,
              ...(entry.offer.admitBy ? { admitBy: entry.offer.admitBy } : {}),
            },
          }
        : {}),
      reasons: at ? [`position ${at.position} of ${ranked.length}`, ...at.reasons] : ['not on the list'],
      status: entry.status === 'waiting' ? 'waiting' : 'removed',
      declinesWithoutValidReason: entry.declines,
      version,
    };
  };

  app.get(
    '/v1/waiting-lists',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary:
          "A municipality's waiting list for a service type, in order, with the reasons for each position",
        querystring: WaitingListQuery,
        response: { 200: WaitingListPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdiction(request);
      const municipality = q.municipality ?? principalOf(request).municipality;
      if (!municipality) throw badRequest('query.municipality', 'name the municipality of the list');
      assertMayAsk(j, { municipality });
      if (q.siteId) await visible(ctx, request).checkSite(q.siteId);
      const ranked = await rankedList(
        ctx,
        ctx.store.db,
        { ...q, municipality },
        q.asOf ?? today(),
        q.knownAt,
      );
      // positions move as people join and leave: a page starts after the position the last one ended on
      const after = Number(decodeCursor(q.cursor, 1)?.[0] ?? 0);
      const page = ranked.slice(after, after + q.limit);
      return shown(ctx, request, {
        items: page.map((r) => ({
          position: r.position,
          entryId: r.entryId,
          clientId: r.client_id,
          serviceType: r.service_type,
          municipality: r.municipality,
          listedOn: r.listedOn,
          priorityClass: r.priorityClass,
          ...(r.crisis ? { crisis: r.crisis } : {}),
          ...(r.points !== undefined ? { points: r.points, pointsLines: r.pointsLines } : {}),
          ...(r.movedToEndOn ? { movedToEndOn: r.movedToEndOn } : {}),
          daysWaiting: r.daysWaiting,
          ...(r.offer_id ? { offer: offerOf(r) } : {}),
          reasons: r.reasons,
        })),
        ...(after + q.limit < ranked.length ? { next: encodeCursor([after + q.limit]) } : {}),
      });
    },
  );

  app.get(
    '/v1/waiting-lists/entries/:entryId',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'A waiting-list entry: its position and why, its class, points, offer and declines',
        params: EntryParams,
        response: { 200: WaitingListEntry, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { state, version } = await visibleEntry(request, request.params.entryId);
      reply.header('etag', `"${version}"`);
      return shown(ctx, request, await entryView(state, version));
    },
  );

  const entryCommand = async (
    request: FastifyRequest<{ Params: z.infer<typeof EntryParams> }>,
    reply: FastifyReply,
    command: EntryCommand,
  ) => {
    await visibleEntry(request, request.params.entryId);
    const r = await execute(ctx, {
      streamId: entryStream(request.params.entryId),
      streamType: 'entry',
      decider: entryDecider,
      definitions,
      command,
      cause: causeOf(request),
      expectedVersion: ifMatch(request),
    });
    reply.header('etag', `"${r.version}"`);
    return shown(ctx, request, await entryView(r.state, r.version));
  };

  app.post(
    '/v1/waiting-lists/entries/:entryId/priority',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'Put the entry in a priority class (crisis cases go first, with their kind)',
        params: EntryParams,
        body: SetPriorityBody,
        response: { 200: WaitingListEntry, ...commandProblems },
      },
    },
    (request, reply) => entryCommand(request, reply, { type: 'SetPriority', ...request.body, on: today() }),
  );

  app.post(
    '/v1/waiting-lists/entries/:entryId/scoring',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: "Record the household's circumstances the social-housing ordinance scores",
        params: EntryParams,
        body: ScoreEntryBody,
        response: { 200: WaitingListEntry, ...commandProblems },
      },
    },
    (request, reply) => entryCommand(request, reply, { type: 'Score', sheet: request.body, on: today() }),
  );

  const offerRecord = (offerId: string, entry: Entry, version: number): z.infer<typeof OfferRecord> => {
    const o = entry.offers.get(offerId);
    if (!o) throw notFound('the offer');
    return {
      offerId,
      entryId: entry.listed!.entryId,
      clientId: entry.listed!.clientId,
      siteId: o.siteId,
      from: o.from,
      madeOn: o.madeOn,
      expiresAfter: o.expiresAfter,
      status: o.status,
      ...(o.admitBy ? { admitBy: o.admitBy } : {}),
      declinesWithoutValidReason: entry.declines,
      version,
    };
  };
  /** An offer as a command or a read answers it: a read of the person's waiting-list entry, logged. */
  const showOffer = (request: FastifyRequest, offerId: string, entry: Entry, version: number) =>
    shown(ctx, request, offerRecord(offerId, entry, version), {
      clients: [{ clientId: entry.listed!.clientId, municipality: entry.listed!.municipality }],
    });

  app.post(
    '/v1/sites/:siteId/offers',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary:
          'Offer a vacancy at the site to the next in line (or, with a supervisor’s written reason, to ' +
          'someone else); the place is held until they answer or the offer lapses',
        params: SiteParams,
        body: MakeOfferBody,
        response: { 201: OfferRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const scope = visible(ctx, request);
      await scope.checkSite(request.params.siteId);
      // an entry named out of turn is the caller's, or it reads as absent (never WRONG_LIST)
      if (request.body.entryId) await scope.entry(request.body.entryId);
      const caller = principalOf(request);
      const { justification, ...b } = request.body;
      if (justification && !caller.roles.some((r) => r === 'supervisor' || r === 'admin'))
        throw forbidden('an offer out of turn is for supervisors');
      const r = await makeOffer(
        ctx,
        {
          siteId: request.params.siteId,
          ...b,
          justification: justification ? { text: justification, supervisor: caller.sub } : undefined,
        },
        causeOf(request),
      );
      reply.status(201).header('location', `/v1/offers/${r.offerId}`);
      return showOffer(request, r.offerId, r.entry, r.version);
    },
  );

  /** The offer's entry, if the caller's jurisdiction covers it (else 404, the offer's own). */
  const visibleOffer = (request: FastifyRequest, offerId: string) => visible(ctx, request).offer(offerId);

  app.get(
    '/v1/offers/:offerId',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'An offer: to whom, where, from when, until when it may be answered, and its answer',
        params: OfferParams,
        response: { 200: OfferRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { state, version } = await visibleOffer(request, request.params.offerId);
      return showOffer(request, request.params.offerId, state, version);
    },
  );

  app.post(
    '/v1/offers/:offerId/accept',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'The person accepts: the admission must follow within the configured days',
        params: OfferParams,
        response: { 200: OfferRecord, ...commandProblems },
      },
    },
    async (request) => {
      await visibleOffer(request, request.params.offerId);
      const r = await answerOffer(ctx, request.params.offerId, { type: 'Accept' }, causeOf(request));
      return showOffer(request, request.params.offerId, r.entry, r.version);
    },
  );

  app.post(
    '/v1/offers/:offerId/decline',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'The person declines, with a reason; declines without a valid reason are counted',
        params: OfferParams,
        body: DeclineOfferBody,
        response: { 200: OfferRecord, ...commandProblems },
      },
    },
    async (request) => {
      await visibleOffer(request, request.params.offerId);
      const r = await answerOffer(
        ctx,
        request.params.offerId,
        { type: 'Decline', ...request.body },
        causeOf(request),
      );
      return showOffer(request, request.params.offerId, r.entry, r.version);
    },
  );
};
