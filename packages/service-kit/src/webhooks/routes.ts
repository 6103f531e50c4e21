import { Problem } from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { decodeTaggedCursor, pageOf } from '../cursor.js';
import type { HostedService } from '../hosting.js';
import { badRequest, conflict, notFound, ruleViolated } from '../problems.js';
import { integratorEvents } from '../publicEvents.js';
import { type Scope, sameScope, scopeOf } from '../scope.js';
import { sweepEvery } from '../sweep.js';
import { disableEndpoints } from './dispatcher.js';
import { namesInternalAddress } from './network.js';
import type { WebhookOptions } from './options.js';
import { lockOwner, refuseRevoked } from './revoked.js';
import { type KeptSecret, ROTATION_OVERLAP_MS, SecretBox } from './secrets.js';

const Service = z.enum(['intake', 'eligibility', 'placement', 'billing']);
const EndpointParams = z.object({ endpointId: z.uuid() });
/** Endpoints an owner may keep with one service: each queues a delivery per event it takes. */
const MAX_ENDPOINTS_PER_OWNER = 20;
/** How long a delivery's record is kept once it was delivered or given up. */
const KEEP_DELIVERIES_DAYS = 30;
const DELIVERIES_CURSOR = 'webhook-deliveries';

const EndpointInput = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    types: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(100)
      .meta({ description: 'Event names of this service (`Admitted`, `Discharged`), as in AsyncAPI' }),
    description: z.string().max(500).default(''),
  })
  .meta({
    id: 'WebhookEndpointRegistration',
    example: {
      url: 'https://erp.example.bg/casework/webhooks',
      types: ['Admitted', 'Transferred', 'Discharged'],
      description: 'Bansko ERP: placements',
    },
  });

const WebhookEndpoint = z
  .object({
    endpointId: z.uuid(),
    service: Service,
    url: z.string(),
    types: z.array(z.string()),
    description: z.string(),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.string().nullable(),
    scope: z.object({ municipality: z.string().optional(), oblast: z.string().optional() }).meta({
      description:
        "Whose events it receives: its registrant's scope (a municipality, an oblast, or neither: the country)",
    }),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'WebhookEndpoint',
    example: {
      endpointId: '01900000-0000-7000-8000-0000000000c1',
      service: 'placement',
      url: 'https://erp.example.bg/casework/webhooks',
      types: ['Admitted', 'Transferred', 'Discharged'],
      description: 'Bansko ERP: placements',
      status: 'enabled',
      disabledReason: null,
      scope: { municipality: 'BLG01' },
      createdAt: '2026-12-01T09:00:00.000Z',
    },
  });

const secretNote =
  'The signing secret (Standard Webhooks, `whsec_…`): shown once, here; keep it to verify `webhook-signature`';
const WithSecret = WebhookEndpoint.extend({ secret: z.string().meta({ description: secretNote }) }).meta({
  id: 'WebhookEndpointWithSecret',
  example: { ...WebhookEndpoint.meta()!.example!, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
});
const Rotated = z
  .object({
    secret: z.string().meta({ description: secretNote }),
    previousValidUntil: z.iso.datetime().meta({ description: 'Until then deliveries carry both signatures' }),
  })
  .meta({
    id: 'WebhookSecretRotated',
    example: {
      secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
      previousValidUntil: '2026-12-02T09:00:00.000Z',
    },
  });

const Delivery = z
  .object({
    deliveryId: z.string(),
    eventId: z.uuid(),
    subject: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(
      z.object({
        at: z.iso.datetime(),
        status: z.number().int().nullable(),
        error: z.string().nullable(),
        durationMs: z.number().int(),
      }),
    ),
    nextAttemptAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
  })
  .meta({
    id: 'WebhookDelivery',
    example: {
      deliveryId: '42',
      eventId: '01900000-0000-7000-8000-0000000000e7',
      subject: 'placements-01900000-0000-7000-8000-000000000001',
      status: 'delivered',
      attempts: [
        { at: '2026-12-01T09:00:00.120Z', status: 503, error: 'answered 503', durationMs: 12 },
        { at: '2026-12-01T09:00:05.300Z', status: 200, error: null, durationMs: 9 },
      ],
      nextAttemptAt: null,
      createdAt: '2026-12-01T09:00:00.100Z',
      deliveredAt: '2026-12-01T09:00:05.310Z',
    },
  });
const DeliveryPage = z
  .object({ items: z.array(Delivery), next: z.string().optional() })
  .meta({ id: 'WebhookDeliveryPage', example: { items: [Delivery.meta()!.example] } });

type EndpointRow = {
  id: string;
  owner: string;
  url: string;
  types: string[];
  description: string;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  scope: Scope;
  secrets: KeptSecret[];
  created_at: Date;
};

const roles = { roles: ['integrator', 'admin'] } as const;
/**
 * What every command here may also answer for its `Idempotency-Key`: 409 while the same key is still
 * being answered, 422 for a key used with another request (and 422 for a rule: the endpoint limit).
 */
const keyAnswers = { 409: Problem, 422: Problem } as const;

/**
 * Webhook endpoints (ADR 15), per service as the event feed is: an integrator registers the URLs its
 * service's events go to, for the event types it names, within its jurisdiction; it sees, rotates,
 * disables and redelivers its own endpoints only (an admin, every one).
 */
export const webhookRoutes: FastifyPluginAsyncZod<{
  hosted: HostedService;
  options: WebhookOptions;
}> = async (app, { hosted: h, options }) => {
  const box = new SecretBox(h.ctx.secrets.identifierKey);
  const s = sql.id(h.ctx.store.schema);
  const db = h.ctx.store.db;
  const base = `/v1/webhooks/${h.module.name}`;
  const events = new Set(integratorEvents(h.module.events).map((e) => e.name));
  /**
   * The endpoint if the caller may manage it: its owner with the scope it was registered in (a token of
   * the same subject with another scope may not), or an admin; 404 otherwise.
   */
  const endpointOf = async (request: FastifyRequest, id: string, executor: Executor = db) => {
    const p = principalOf(request);
    const { rows } = await sql<EndpointRow>`SELECT * FROM ${s}.webhook_endpoints WHERE id = ${id}
      ${executor === db ? sql`` : sql`FOR UPDATE`}`.execute(executor);
    const row = rows[0];
    const own = row?.owner === p.sub && sameScope(row.scope, scopeOf(p));
    if (!row || (!own && !p.roles.includes('admin'))) throw notFound(`webhook endpoint ${id}`);
    return row;
  };
  sweepEvery(app, 60 * 60 * 1000, 'webhook deliveries', async () => {
    // in batches, each an index range of what is done and old: no long lock, no scan of the queue
    for (;;) {
      const { numAffectedRows } = await sql`DELETE FROM ${s}.webhook_deliveries WHERE id IN (
          SELECT id FROM ${s}.webhook_deliveries WHERE status <> 'pending'
            AND coalesce(delivered_at, next_attempt_at) < now() - make_interval(days => ${KEEP_DELIVERIES_DAYS})
          LIMIT 5000)`.execute(db);
      if (Number(numAffectedRows ?? 0) < 5000) return;
    }
  });
  const view = (r: EndpointRow): z.infer<typeof WebhookEndpoint> => ({
    endpointId: r.id,
    service: h.module.name,
    url: r.url,
    types: r.types,
    description: r.description,
    status: r.status,
    disabledReason: r.disabled_reason,
    scope: r.scope,
    createdAt: r.created_at.toISOString(),
  });

  app.post(
    base,
    {
      config: { ...roles, keepAnswer: true },
      schema: {
        tags: ['webhooks'],
        summary: "Register an endpoint for some of a service's events",
        description:
          'Deliveries follow the Standard Webhooks specification (`webhook-id` is the event id, ' +
          '`webhook-timestamp`, `webhook-signature`) and carry the event as CloudEvents JSON with its ' +
          'references only, as the event feed does. Answer 2xx to accept; anything else is retried with ' +
          'exponential backoff for 24 hours, in order per subject, and the endpoint is disabled when a ' +
          'delivery still fails then.',
        body: EndpointInput,
        response: { 201: WithSecret, ...keyAnswers },
      },
    },
    async (request, reply) => {
      const { url, types, description } = request.body;
      const unknown = types.find((t) => !events.has(t));
      if (unknown !== undefined)
        throw badRequest(
          'body.types',
          `${unknown} is not an event ${h.module.name} publishes to integrators`,
        );
      const target = new URL(url);
      if (!options.allowInternalNetworks) {
        if (target.protocol !== 'https:') throw badRequest('body.url', 'a webhook endpoint must use https');
        if (namesInternalAddress(target))
          throw badRequest('body.url', 'a webhook endpoint must be outside the platform’s networks');
      }
      const principal = principalOf(request);
      const secret = SecretBox.generate();
      // the owner's registrations take turns: two at once cannot both pass the limit
      const rows = await h.ctx.store.transaction(async (tx) => {
        await lockOwner(tx, principal.sub);
        await refuseRevoked(tx, h.ctx.store.schema, principal.sub);
        return (
          await sql<EndpointRow>`INSERT INTO ${s}.webhook_endpoints (id, owner, scope, url, types, description, secrets)
            SELECT ${uuidv7()}, ${principal.sub}, ${JSON.stringify(scopeOf(principal))}::jsonb, ${url},
              ${[...new Set(types)]}::text[], ${description},
              ${JSON.stringify([{ sealed: box.seal(secret), expiresAt: null }])}::jsonb
            WHERE (SELECT count(*) FROM ${s}.webhook_endpoints WHERE owner = ${principal.sub}) < ${MAX_ENDPOINTS_PER_OWNER}
            RETURNING *`.execute(tx)
        ).rows;
      });
      if (!rows[0])
        throw ruleViolated(
          'WEBHOOK_ENDPOINT_LIMIT',
          `at most ${MAX_ENDPOINTS_PER_OWNER} endpoints for ${h.module.name}'s events: remove one first`,
        );
      const endpoint = view(rows[0]);
      reply.code(201).header('location', `${base}/${endpoint.endpointId}`);
      return { ...endpoint, secret };
    },
  );

  app.get(
    base,
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: "Your endpoints for a service's events (an admin's: all of them)",
        response: {
          200: z
            .object({ items: z.array(WebhookEndpoint) })
            .meta({ id: 'WebhookEndpointList', example: { items: [WebhookEndpoint.meta()!.example] } }),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { rows } = await sql<EndpointRow>`SELECT * FROM ${s}.webhook_endpoints
        WHERE ${p.roles.includes('admin') ? sql`TRUE` : sql`owner = ${p.sub} AND scope = ${JSON.stringify(scopeOf(p))}::jsonb`}
        ORDER BY created_at, id`.execute(db);
      return { items: rows.map((r) => view(r)) };
    },
  );

  app.get(
    `${base}/:endpointId`,
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: 'One of your endpoints',
        params: EndpointParams,
        response: { 200: WebhookEndpoint, 404: Problem },
      },
    },
    async (request) => {
      return view(await endpointOf(request, request.params.endpointId));
    },
  );

  app.delete(
    `${base}/:endpointId`,
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: 'Remove an endpoint and its delivery log',
        params: EndpointParams,
        response: { 204: z.null().meta({ description: 'Removed' }), 404: Problem },
      },
    },
    async (request, reply) => {
      const endpoint = await endpointOf(request, request.params.endpointId);
      await sql`DELETE FROM ${s}.webhook_endpoints WHERE id = ${endpoint.id}`.execute(db);
      return reply.code(204).send(null);
    },
  );

  for (const [action, status, summary] of [
    ['enable', 'enabled', 'Deliver to it again (deliveries still pending resume in order)'],
    [
      'disable',
      'disabled',
      'Stop delivering to it (events meanwhile are not queued for it: the feed has them)',
    ],
  ] as const)
    app.post(
      `${base}/:endpointId/${action}`,
      {
        config: roles,
        schema: {
          tags: ['webhooks'],
          summary,
          params: EndpointParams,
          response: { 200: WebhookEndpoint, 404: Problem, ...keyAnswers },
        },
      },
      async (request) => {
        const endpoint = await endpointOf(request, request.params.endpointId);
        const rows = await h.ctx.store.transaction(async (tx) => {
          if (status === 'enabled') {
            // a revoked integrator's endpoints stay disabled, whoever asks
            await lockOwner(tx, endpoint.owner);
            await refuseRevoked(tx, h.ctx.store.schema, endpoint.owner);
          }
          if (status === 'disabled')
            await disableEndpoints(tx, h.ctx.store.schema, [endpoint.id], 'disabled by hand');
          // enabled again, what waits is due now, with its 24 hours of retries afresh
          else
            await sql`UPDATE ${s}.webhook_deliveries
              SET first_attempt_at = NULL, attempts = 0, next_attempt_at = least(next_attempt_at, now())
              WHERE endpoint_id = ${endpoint.id} AND status = 'pending'`.execute(tx);
          return (
            await sql<EndpointRow>`UPDATE ${s}.webhook_endpoints
              SET status = ${status}, updated_at = now(),
                disabled_reason = CASE WHEN ${status} = 'enabled' THEN NULL ELSE disabled_reason END
              WHERE id = ${endpoint.id} RETURNING *`.execute(tx)
          ).rows;
        });
        if (!rows[0]) throw notFound(`webhook endpoint ${endpoint.id}`);
        h.webhooks?.dispatcher.wake();
        return view(rows[0]);
      },
    );

  app.post(
    `${base}/:endpointId/secret`,
    {
      config: { ...roles, keepAnswer: true },
      schema: {
        tags: ['webhooks'],
        summary:
          'Rotate the signing secret; the one it replaces signs beside it for 24 hours (one rotated out before stops)',
        params: EndpointParams,
        response: { 200: Rotated, 404: Problem, ...keyAnswers },
      },
    },
    async (request) => {
      const now = h.ctx.clock();
      const until = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
      const secret = SecretBox.generate();
      // locked while it is rotated: two rotations at once each keep the other's secret or wait for it
      await h.ctx.store.transaction(async (tx) => {
        const endpoint = await endpointOf(request, request.params.endpointId, tx);
        // the new secret, and the one it replaces for the overlap; one rotated out before goes now
        // (one that can no longer be opened, its deployment key changed, is not kept)
        const current = endpoint.secrets.find((k) => k.expiresAt === null && box.opens(k.sealed));
        const kept: KeptSecret[] = [
          { sealed: box.seal(secret), expiresAt: null },
          ...(current ? [{ sealed: current.sealed, expiresAt: until }] : []),
        ];
        await sql`UPDATE ${s}.webhook_endpoints SET secrets = ${JSON.stringify(kept)}::jsonb, updated_at = now()
          WHERE id = ${endpoint.id}`.execute(tx);
      });
      return { secret, previousValidUntil: until };
    },
  );

  app.get(
    `${base}/:endpointId/deliveries`,
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's delivery log, newest first, each with its attempts",
        params: EndpointParams,
        querystring: z.object({
          status: z.enum(['pending', 'delivered', 'failed']).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(50),
          cursor: z.string().max(512).optional(),
        }),
        response: { 200: DeliveryPage, 404: Problem },
      },
    },
    async (request) => {
      const endpoint = await endpointOf(request, request.params.endpointId);
      const { status, limit, cursor } = request.query;
      const before = deliveriesBefore(cursor);
      const { rows } = await sql<{
        id: string;
        event_id: string;
        subject: string;
        status: 'pending' | 'delivered' | 'failed';
        next_attempt_at: Date;
        created_at: Date;
        delivered_at: Date | null;
        attempts: { at: string; status: number | null; error: string | null; durationMs: number }[];
      }>`SELECT d.id::text, d.event_id, d.subject, d.status, d.next_attempt_at, d.created_at, d.delivered_at,
          d.attempt_log AS attempts
        FROM ${s}.webhook_deliveries d
        WHERE d.endpoint_id = ${endpoint.id}
          ${status ? sql`AND d.status = ${status}` : sql``}
          ${before ? sql`AND d.id < ${before}::bigint` : sql``}
        ORDER BY d.id DESC LIMIT ${limit + 1}`.execute(db);
      const page = pageOf(rows, limit, (r) => [DELIVERIES_CURSOR, r.id]);
      return {
        ...page,
        items: page.items.map((r) => ({
          deliveryId: r.id,
          eventId: r.event_id,
          subject: r.subject,
          status: r.status,
          attempts: r.attempts,
          nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
          createdAt: r.created_at.toISOString(),
          deliveredAt: r.delivered_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post(
    `${base}/:endpointId/deliveries/:deliveryId/redeliver`,
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary:
          'Send a delivery again (a failed one, or one your receiver lost): queued now, with 24 hours of retries',
        params: EndpointParams.extend({ deliveryId: z.string().regex(/^\d{1,18}$/) }),
        response: {
          202: z.object({ deliveryId: z.string(), status: z.literal('pending') }).meta({
            id: 'WebhookRedelivery',
            example: { deliveryId: '42', status: 'pending' },
          }),
          404: Problem,
          ...keyAnswers,
        },
      },
    },
    async (request, reply) => {
      const endpoint = await endpointOf(request, request.params.endpointId);
      if (endpoint.status !== 'enabled')
        throw conflict('WEBHOOK_ENDPOINT_DISABLED', 'the endpoint is disabled: enable it first');
      const { rows } = await sql<{ id: string }>`UPDATE ${s}.webhook_deliveries
        -- one in flight keeps its claim (its attempt's outcome is recorded as it comes); the others are
        -- due now, with their attempts and 24 hours of retries counted afresh
        SET status = 'pending', next_attempt_at = now(), first_attempt_at = NULL,
          attempts = 0,
          claimed_until = CASE WHEN status = 'pending' THEN claimed_until END,
          claim = CASE WHEN status = 'pending' THEN claim END
        WHERE id = ${request.params.deliveryId}::bigint AND endpoint_id = ${endpoint.id}
        RETURNING id::text`.execute(db);
      if (!rows[0]) throw notFound(`delivery ${request.params.deliveryId}`);
      h.webhooks?.dispatcher.wake();
      return reply.code(202).send({ deliveryId: rows[0].id, status: 'pending' as const });
    },
  );
};

/** The id a deliveries cursor points after; a cursor of another list is refused, never cast. */
function deliveriesBefore(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const [id] = decodeTaggedCursor(cursor, DELIVERIES_CURSOR, 1, 'query.cursor');
  if (!/^\d{1,18}$/.test(String(id))) throw badRequest('query.cursor', 'not a cursor this list gave out');
  return String(id);
}
