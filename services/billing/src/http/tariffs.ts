import {
  breaksRule,
  commandProblems,
  DraftTariffBody,
  type MunicipalityCode,
  Problem,
  PublishTariffBody,
  RetireTariffBody,
  ServiceTypeCode,
  sofiaDate,
  TariffList,
  TariffParams,
  TariffQuery,
  TariffRecord,
  TariffsQuery,
  TariffVersionParams,
} from '@casework/contracts';
import { findMunicipality, serviceType } from '@casework/reference-data';
import {
  assertMayAsk,
  badRequest,
  causeOf,
  covers,
  forbidden,
  ifMatch,
  jurisdictionOf,
  loadAggregate,
  notFound,
  principalOf,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { tariffStream } from '../application/events.js';
import { runTariffCommand, Tariffs } from '../application/tariffs.js';
import { type Tariff, type TariffCommand, type TariffScope, tariffDecider } from '../domain/tariff.js';
import { listTariffs } from '../projections/tariffQueries.js';

const READERS = [
  'billing_officer',
  'supervisor',
  'case_manager',
  'directorate_analyst',
  'integrator',
] as const;
const WRITERS = ['billing_officer'] as const;

/** `protected_housing:BLG01` → its service type and municipality (null for national). */
function scopeOf(tariffId: string): TariffScope {
  const [type, where] = tariffId.split(':') as [string, string];
  const serviceType = ServiceTypeCode.safeParse(type);
  if (!serviceType.success) throw badRequest('params.tariffId', `unknown service type ${type}`);
  if (where !== 'national' && !findMunicipality(where))
    throw badRequest('params.tariffId', `unknown municipality ${where}`);
  return { tariffId, serviceType: serviceType.data, municipality: where === 'national' ? null : where };
}

/**
 * National tariffs are everyone's to read; a municipality's read as absent (404) to a caller whose
 * jurisdiction does not cover it, before any rule runs. National tariffs are changed by administrators.
 */
function visibleScope(request: FastifyRequest, tariffId: string, writing = false): TariffScope {
  const scope = scopeOf(tariffId);
  const principal = principalOf(request);
  if (
    scope.municipality !== null &&
    !covers(jurisdictionOf(principal), scope.municipality as MunicipalityCode)
  )
    throw notFound('the tariff');
  if (writing && scope.municipality === null && !principal.roles.includes('admin'))
    throw forbidden('national tariffs are changed by administrators');
  // state-funded services follow the national tariff (DOMAIN §7): a municipality cannot set its own
  if (
    writing &&
    scope.municipality !== null &&
    serviceType(scope.serviceType).defaultFunding === 'state_delegated'
  )
    throw breaksRule(
      'NATIONAL_TARIFF_ONLY',
      `${scope.serviceType} is state-funded: its tariff is the national one`,
    );
  return scope;
}

type Record = z.infer<typeof TariffRecord>;
const versionsOf = (state: Tariff): Record['versions'] =>
  state.versions.map((v) => ({
    version: v.version,
    status: v.status,
    ...v.body,
    ...(v.effectiveFrom ? { effectiveFrom: v.effectiveFrom } : {}),
    ...(v.retiredFrom ? { retiredFrom: v.retiredFrom } : {}),
  }));

export const tariffRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const today = () => sofiaDate(ctx.clock());
  const record = async (
    scope: TariffScope,
    state: Tariff,
    version: number,
    on = today(),
  ): Promise<Record> => {
    const tariffs = new Tariffs(ctx);
    await tariffs.prepare([
      { serviceType: scope.serviceType, municipality: scope.municipality ?? 'national' },
    ]);
    const inForce = tariffs.inForce(scope.serviceType, scope.municipality ?? 'national', on);
    return {
      ...scope,
      municipality: scope.municipality as MunicipalityCode | null,
      versions: versionsOf(state),
      inForce: inForce ? { tariffId: inForce.tariffId, version: inForce.version } : null,
      version,
    };
  };

  app.get(
    '/v1/billing/tariffs',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary: "Tariffs by service type: the national ones and the caller's municipalities' own",
        querystring: TariffsQuery,
        response: { 200: TariffList, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdictionOf(principalOf(request));
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const items = await listTariffs(ctx, {
        jurisdiction: j,
        serviceType: q.serviceType,
        municipality: q.municipality,
      });
      return { items };
    },
  );

  app.get(
    '/v1/billing/tariffs/:tariffId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary: "A tariff's versions and the one in force today (or on the day asked)",
        params: TariffParams,
        querystring: TariffQuery,
        response: { 200: TariffRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const scope = visibleScope(request, request.params.tariffId);
      const { state, version } = await loadAggregate(ctx, tariffStream(scope.tariffId), tariffDecider);
      if (state.versions.length === 0) throw notFound('the tariff');
      reply.header('etag', `"${version}"`);
      return record(scope, state, version, request.query.on);
    },
  );

  /** Runs a command on a visible tariff the caller may change; the answer is the tariff after it. */
  const command = async (
    request: FastifyRequest<{ Params: { tariffId: string } }>,
    reply: FastifyReply,
    build: (scope: TariffScope) => TariffCommand,
  ) => {
    const scope = visibleScope(request, request.params.tariffId, true);
    const r = await runTariffCommand(ctx, scope.tariffId, build(scope), causeOf(request), ifMatch(request));
    reply.header('etag', `"${r.version}"`);
    return record(scope, r.state, r.version);
  };

  app.post(
    '/v1/billing/tariffs/:tariffId/versions',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['billing'],
        summary: 'Draft a new version of a tariff (it charges nothing until published)',
        params: TariffParams,
        body: DraftTariffBody,
        response: { 201: TariffRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      reply.status(201);
      return command(request, reply, (scope) => ({ type: 'Draft', scope, body: request.body }));
    },
  );

  app.post(
    '/v1/billing/tariffs/:tariffId/versions/:version/publish',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['billing'],
        summary: 'Publish a drafted version from a date (today or later)',
        params: TariffVersionParams,
        body: PublishTariffBody,
        response: { 200: TariffRecord, ...commandProblems },
      },
    },
    (request, reply) =>
      command(request, reply, () => ({
        type: 'Publish',
        version: request.params.version,
        effectiveFrom: request.body.effectiveFrom,
        today: today(),
      })),
  );

  app.post(
    '/v1/billing/tariffs/:tariffId/versions/:version/retire',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['billing'],
        summary:
          'Retire a published version from a date; the one before it (or the national tariff) applies again',
        params: TariffVersionParams,
        body: RetireTariffBody,
        response: { 200: TariffRecord, ...commandProblems },
      },
    },
    (request, reply) =>
      command(request, reply, () => ({
        type: 'Retire',
        version: request.params.version,
        retiredFrom: request.body.retiredFrom,
        today: today(),
      })),
  );
};
