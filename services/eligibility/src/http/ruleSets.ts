import {
  commandProblems,
  DraftRuleSetBody,
  type LocalDate,
  type MunicipalityCode,
  Problem,
  PublishRuleSetBody,
  RetireRuleSetBody,
  RuleSetList,
  RuleSetParams,
  RuleSetRecord,
  RuleSetsQuery,
  RuleSetVersionParams,
  ServiceTypeCode,
  sofiaDate,
  WhatIfBody,
  WhatIfResult,
} from '@casework/contracts';
import { findMunicipality } from '@casework/reference-data';
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
  shown,
} from '@casework/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  type RuleSetCommandInput,
  RuleSets,
  ruleSetStream,
  runRuleSetCommand,
} from '../application/ruleSets.js';
import { whatIf } from '../application/whatIf.js';
import { type RuleSet, ruleSetDecider, versionInForce } from '../domain/ruleSet.js';
import { listRuleSets } from '../projections/ruleSetQueries.js';

/** `protected_housing:BLG01` → its service type and municipality (null for national). */
function scopeOf(ruleSetId: string) {
  const [type, where] = ruleSetId.split(':') as [string, string];
  const serviceType = ServiceTypeCode.safeParse(type);
  if (!serviceType.success) throw badRequest('params.ruleSetId', `unknown service type ${type}`);
  if (where !== 'national' && !findMunicipality(where))
    throw badRequest('params.ruleSetId', `unknown municipality ${where}`);
  return { ruleSetId, serviceType: serviceType.data, municipality: where === 'national' ? null : where };
}

/**
 * National rule sets are everyone's to read; a municipality's are scoped like every other record
 * (DESIGN §6): to a caller whose jurisdiction does not cover it, the id reads as absent (404, the same
 * answer whether it holds versions or not), before any rule runs.
 */
function visibleScope(request: FastifyRequest, ruleSetId: string) {
  const scope = scopeOf(ruleSetId);
  if (
    scope.municipality !== null &&
    !covers(jurisdictionOf(principalOf(request)), scope.municipality as MunicipalityCode)
  )
    throw notFound('the rule set');
  return scope;
}

/**
 * Who may change rule sets at all is the route table's (`WRITERS`); here the rest: national rule sets
 * are the administrators', a municipality's its supervisors' (its scope was checked by `visibleScope`).
 */
const WRITERS = ['supervisor'] as const;
function assertMayWrite(request: FastifyRequest, municipality: string | null) {
  if (municipality === null && !principalOf(request).roles.includes('admin'))
    throw forbidden('national rule sets are changed by administrators');
}

/**
 * A draft is a municipality's work in progress: shown only to callers whose jurisdiction covers it
 * (national drafts to everyone). Published and retired versions are shown to everyone who may see the
 * rule set at all.
 */
const showsDrafts = (request: FastifyRequest, municipality: string | null) =>
  municipality === null || covers(jurisdictionOf(principalOf(request)), municipality as MunicipalityCode);

export const ruleSetRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const record = async (ruleSetId: string) => {
    const scope = scopeOf(ruleSetId);
    // the versions and the stream version from one read
    const { state, version } = await loadAggregate(ctx, ruleSetStream(ruleSetId), ruleSetDecider);
    const today = sofiaDate(ctx.clock());
    const own = versionInForce(state, today);
    // a municipality without a version of its own in force falls back on the national one
    const inForce = own
      ? { ruleSetId, version: own.version }
      : scope.municipality
        ? await new RuleSets(ctx).inForce(scope.serviceType, scope.municipality, today).catch(() => undefined)
        : undefined;
    return toRecord(scope, state, version, inForce);
  };
  const send = async (reply: FastifyReply, ruleSetId: string, status = 200) => {
    const r = await record(ruleSetId);
    reply.status(status).header('etag', `"${r.version}"`);
    return r;
  };

  app.get(
    '/v1/eligibility/rule-sets',
    {
      schema: {
        tags: ['eligibility'],
        summary: 'Rule sets by service type and scope, with their versions',
        querystring: RuleSetsQuery,
        response: { 200: RuleSetList, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdictionOf(principalOf(request));
      // an explicit filter of another municipality is refused; otherwise national + the jurisdiction's
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const items = await listRuleSets(ctx, {
        jurisdiction: j,
        serviceType: q.serviceType,
        municipality: q.municipality,
        showsDrafts: (municipality) => showsDrafts(request, municipality),
      });
      return { items };
    },
  );

  app.get(
    '/v1/eligibility/rule-sets/:ruleSetId',
    {
      schema: {
        tags: ['eligibility'],
        summary: 'A rule set: every version with its criteria, and the one in force today',
        params: RuleSetParams,
        response: { 200: RuleSetRecord, 400: Problem, 401: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      visibleScope(request, request.params.ruleSetId);
      const r = await record(request.params.ruleSetId);
      if (r.versions.length === 0 && r.municipality === null) throw notFound('the rule set');
      reply.header('etag', `"${r.version}"`);
      if (showsDrafts(request, r.municipality)) return r;
      return { ...r, versions: r.versions.filter((v) => v.status !== 'draft') };
    },
  );

  app.post(
    '/v1/eligibility/rule-sets/:ruleSetId/versions',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['eligibility'],
        summary: 'Draft a new version (decides nothing until published); supervisors, or admins for national',
        params: RuleSetParams,
        body: DraftRuleSetBody,
        response: { 201: RuleSetRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const scope = visibleScope(request, request.params.ruleSetId);
      assertMayWrite(request, scope.municipality);
      await runRuleSetCommand(
        ctx,
        scope,
        { type: 'Draft', ...request.body },
        causeOf(request),
        ifMatch(request),
      );
      return send(reply, scope.ruleSetId, 201);
    },
  );

  /** Publishing and retiring: the scope and the writer checked, the command run against `If-Match`. */
  const changeVersion = async (
    request: FastifyRequest,
    reply: FastifyReply,
    ruleSetId: string,
    command: (today: LocalDate) => RuleSetCommandInput,
  ) => {
    const scope = visibleScope(request, ruleSetId);
    assertMayWrite(request, scope.municipality);
    await runRuleSetCommand(ctx, scope, command(sofiaDate(ctx.clock())), causeOf(request), ifMatch(request));
    return send(reply, ruleSetId);
  };

  app.post(
    '/v1/eligibility/rule-sets/:ruleSetId/versions/:version/publish',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['eligibility'],
        summary: 'Publish a draft from a date (today or later); current determinations are re-evaluated then',
        params: RuleSetVersionParams,
        body: PublishRuleSetBody,
        response: { 200: RuleSetRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { ruleSetId, version } = request.params;
      const { effectiveFrom } = request.body;
      return changeVersion(request, reply, ruleSetId, (today) => ({
        type: 'Publish',
        version,
        effectiveFrom,
        today,
      }));
    },
  );

  app.post(
    '/v1/eligibility/rule-sets/:ruleSetId/versions/:version/retire',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['eligibility'],
        summary: 'Retire a published version from a date; the one before it applies again',
        params: RuleSetVersionParams,
        body: RetireRuleSetBody,
        response: { 200: RuleSetRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { ruleSetId, version } = request.params;
      const { retiredFrom } = request.body;
      return changeVersion(request, reply, ruleSetId, (today) => ({
        type: 'Retire',
        version,
        retiredFrom,
        today,
      }));
    },
  );

  app.post(
    '/v1/eligibility/rule-sets/:ruleSetId/versions/:version/what-if',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['eligibility'],
        summary: 'Who would gain or lose eligibility under this version, with reasons; records nothing',
        params: RuleSetVersionParams,
        body: WhatIfBody,
        response: { 200: WhatIfResult, ...commandProblems },
      },
    },
    async (request) => {
      const { ruleSetId, version } = request.params;
      const scope = visibleScope(request, ruleSetId);
      assertMayWrite(request, scope.municipality);
      const state = await new RuleSets(ctx).get(ruleSetId);
      const v = state.versions.find((x) => x.version === version);
      if (!v) throw notFound(`version ${version} of the rule set`);
      const asOf = request.body.asOf ?? sofiaDate(ctx.clock());
      const result = await whatIf(ctx, scope, v, asOf, request.body.limit);
      // the changes name clients with their outcomes and reasons: a search, one row per client listed
      return shown(
        ctx,
        request,
        { ruleSetId, version, asOf, ...result },
        {
          clients: result.changes,
          action: 'search',
        },
      );
    },
  );
};

type Scope = ReturnType<typeof scopeOf>;

function toRecord(
  scope: Scope,
  state: RuleSet,
  version: number,
  inForce: { ruleSetId: string; version: number } | undefined,
): z.infer<typeof RuleSetRecord> {
  return {
    ruleSetId: scope.ruleSetId,
    serviceType: scope.serviceType,
    municipality: scope.municipality,
    versions: state.versions.map((v) => ({
      version: v.version,
      status: v.status,
      criteria: v.criteria,
      validityMonths: v.validityMonths,
      ...(v.effectiveFrom ? { effectiveFrom: v.effectiveFrom } : {}),
      ...(v.retiredFrom ? { retiredFrom: v.retiredFrom } : {}),
    })),
    ...(inForce ? { inForce: { ruleSetId: inForce.ruleSetId, version: inForce.version } } : {}),
    version,
  };
}
