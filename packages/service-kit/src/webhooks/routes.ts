import { isIP } from 'node:net';
import { Problem } from '@casework/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { decodeCursor, pageOf } from '../cursor.js';
import type { HostedService } from '../hosting.js';
import { badRequest, notFound } from '../problems.js';
import { jurisdictionOf } from '../scope.js';
import { hostOf, isInternal } from './network.js';
import type { WebhookOptions } from './options.js';
import { type KeptSecret, ROTATION_OVERLAP_MS, SecretBox } from './secrets.js';

const Service = z.enum(['intake', 'eligibility', 'placement', 'billing']);
const ServiceParam = z.object({ service: Service });
const EndpointParams = ServiceParam.extend({ endpointId: z.uuid() });

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
    jurisdiction: z
      .union([
        z.object({ kind: z.literal('national') }),
        z.object({ kind: z.literal('municipalities'), codes: z.array(z.string()) }),
      ])
      .meta({ description: "The events it receives: its registrant's jurisdiction when it was registered" }),
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
      jurisdiction: { kind: 'municipalities', codes: ['BLG01'] },
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
  jurisdiction: z.infer<typeof WebhookEndpoint>['jurisdiction'];
  secrets: KeptSecret[];
  created_at: Date;
};

const roles = { roles: ['integrator', 'admin'] } as const;

/**
 * Webhook endpoints (ADR 15), per service as the event feed is: an integrator registers the URLs its
 * service's events go to, for the event types it names, within its jurisdiction; it sees, rotates,
 * disables and redelivers its own endpoints only (an admin, every one).
 */
export const webhookRoutes: FastifyPluginAsyncZod<{
  hosted: HostedService[];
  identifierKey: string;
  options: WebhookOptions;
}> = async (app, { hosted, identifierKey, options }) => {
  const box = new SecretBox(identifierKey);
  const serviceOf = (name: string) => {
    const h = hosted.find((x) => x.module.name === name);
    if (!h) throw notFound(`service ${name}`);
    return h;
  };
  const s = (h: HostedService) => sql.id(h.ctx.store.schema);
  /** The endpoint if the caller may see it (its own, or any for an admin); 404 otherwise. */
  const endpointOf = async (request: FastifyRequest, h: HostedService, id: string) => {
    const p = principalOf(request);
    const { rows } = await sql<EndpointRow>`SELECT * FROM ${s(h)}.webhook_endpoints WHERE id = ${id}`.execute(
      h.ctx.store.db,
    );
    const row = rows[0];
    if (!row || (row.owner !== p.sub && !p.roles.includes('admin'))) throw notFound(`webhook endpoint ${id}`);
    return row;
  };
  const view = (h: HostedService, r: EndpointRow): z.infer<typeof WebhookEndpoint> => ({
    endpointId: r.id,
    service: h.module.name,
    url: r.url,
    types: r.types,
    description: r.description,
    status: r.status,
    disabledReason: r.disabled_reason,
    jurisdiction: r.jurisdiction,
    createdAt: r.created_at.toISOString(),
  });

  app.post(
    '/v1/webhooks/:service',
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: "Register an endpoint for some of a service's events",
        description:
          'Deliveries follow the Standard Webhooks specification (`webhook-id` is the event id, ' +
          '`webhook-timestamp`, `webhook-signature`) and carry the event as CloudEvents JSON with its ' +
          'references only, as the event feed does. Answer 2xx to accept; anything else is retried with ' +
          'exponential backoff for 24 hours, in order per subject, and the endpoint is disabled when a ' +
          'delivery still fails then.',
        params: ServiceParam,
        body: EndpointInput,
        response: { 201: WithSecret },
      },
    },
    async (request, reply) => {
      const h = serviceOf(request.params.service);
      const { url, types, description } = request.body;
      const published = new Set(h.module.events.filter((e) => e.published).map((e) => e.name));
      const unknown = types.find((t) => !published.has(t));
      if (unknown !== undefined)
        throw badRequest('body.types', `${unknown} is not an event ${h.module.name} publishes`);
      const target = new URL(url);
      if (!options.allowInternalNetworks) {
        if (target.protocol !== 'https:') throw badRequest('body.url', 'a webhook endpoint must use https');
        if (isIP(hostOf(target)) !== 0 && isInternal(hostOf(target)))
          throw badRequest('body.url', 'a webhook endpoint must be outside the platform’s networks');
      }
      const principal = principalOf(request);
      const secret = SecretBox.generate();
      const { rows } = await sql<EndpointRow>`INSERT INTO ${s(h)}.webhook_endpoints
          (id, owner, jurisdiction, url, types, description, secrets)
        VALUES (${uuidv7()}, ${principal.sub}, ${JSON.stringify(jurisdictionOf(principal))}::jsonb, ${url},
          ${[...new Set(types)]}::text[], ${description},
          ${JSON.stringify([{ sealed: box.seal(secret), expiresAt: null }])}::jsonb)
        RETURNING *`.execute(h.ctx.store.db);
      const endpoint = view(h, rows[0]!);
      reply.code(201).header('location', `/v1/webhooks/${h.module.name}/${endpoint.endpointId}`);
      return { ...endpoint, secret };
    },
  );

  app.get(
    '/v1/webhooks/:service',
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: "Your endpoints for a service's events (an admin's: all of them)",
        params: ServiceParam,
        response: {
          200: z
            .object({ items: z.array(WebhookEndpoint) })
            .meta({ id: 'WebhookEndpointList', example: { items: [WebhookEndpoint.meta()!.example] } }),
        },
      },
    },
    async (request) => {
      const h = serviceOf(request.params.service);
      const p = principalOf(request);
      const { rows } = await sql<EndpointRow>`SELECT * FROM ${s(h)}.webhook_endpoints
        WHERE ${p.roles.includes('admin') ? sql`TRUE` : sql`owner = ${p.sub}`}
        ORDER BY created_at, id`.execute(h.ctx.store.db);
      return { items: rows.map((r) => view(h, r)) };
    },
  );

  app.get(
    '/v1/webhooks/:service/:endpointId',
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
      const h = serviceOf(request.params.service);
      return view(h, await endpointOf(request, h, request.params.endpointId));
    },
  );

  app.delete(
    '/v1/webhooks/:service/:endpointId',
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
      const h = serviceOf(request.params.service);
      const endpoint = await endpointOf(request, h, request.params.endpointId);
      await sql`DELETE FROM ${s(h)}.webhook_endpoints WHERE id = ${endpoint.id}`.execute(h.ctx.store.db);
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
      `/v1/webhooks/:service/:endpointId/${action}`,
      {
        config: roles,
        schema: {
          tags: ['webhooks'],
          summary,
          params: EndpointParams,
          response: { 200: WebhookEndpoint, 404: Problem },
        },
      },
      async (request) => {
        const h = serviceOf(request.params.service);
        const endpoint = await endpointOf(request, h, request.params.endpointId);
        const { rows } = await sql<EndpointRow>`UPDATE ${s(h)}.webhook_endpoints
          SET status = ${status}, updated_at = now(),
            disabled_reason = ${status === 'enabled' ? null : `disabled by ${principalOf(request).sub}`}
          WHERE id = ${endpoint.id} RETURNING *`.execute(h.ctx.store.db);
        h.webhooks?.dispatcher.wake();
        return view(h, rows[0]!);
      },
    );

  app.post(
    '/v1/webhooks/:service/:endpointId/secret',
    {
      config: roles,
      schema: {
        tags: ['webhooks'],
        summary: 'Rotate the signing secret; the previous one signs beside it for 24 hours',
        params: EndpointParams,
        response: { 200: Rotated, 404: Problem },
      },
    },
    async (request) => {
      const h = serviceOf(request.params.service);
      const endpoint = await endpointOf(request, h, request.params.endpointId);
      const now = h.ctx.clock();
      const until = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
      const secret = SecretBox.generate();
      // the current one is kept until the overlap ends; one rotated out earlier is dropped when it has
      const kept: KeptSecret[] = [
        { sealed: box.seal(secret), expiresAt: null },
        ...endpoint.secrets
          .map((k) => (k.expiresAt === null ? { ...k, expiresAt: until } : k))
          .filter((k) => Date.parse(k.expiresAt!) > now.getTime()),
      ];
      await sql`UPDATE ${s(h)}.webhook_endpoints SET secrets = ${JSON.stringify(kept)}::jsonb, updated_at = now()
        WHERE id = ${endpoint.id}`.execute(h.ctx.store.db);
      return { secret, previousValidUntil: until };
    },
  );

  app.get(
    '/v1/webhooks/:service/:endpointId/deliveries',
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
      const h = serviceOf(request.params.service);
      const endpoint = await endpointOf(request, h, request.params.endpointId);
      const { status, limit, cursor } = request.query;
      const before = cursor === undefined ? undefined : String(decodeCursor(cursor, 1)![0]);
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
        FROM ${s(h)}.webhook_deliveries d
        WHERE d.endpoint_id = ${endpoint.id}
          ${status ? sql`AND d.status = ${status}` : sql``}
          ${before ? sql`AND d.id < ${before}::bigint` : sql``}
        ORDER BY d.id DESC LIMIT ${limit + 1}`.execute(h.ctx.store.db);
      const page = pageOf(rows, limit, (r) => [r.id]);
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
    '/v1/webhooks/:service/:endpointId/deliveries/:deliveryId/redeliver',
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
        },
      },
    },
    async (request, reply) => {
      const h = serviceOf(request.params.service);
      const endpoint = await endpointOf(request, h, request.params.endpointId);
      const { rows } = await sql<{ id: string }>`UPDATE ${s(h)}.webhook_deliveries
        -- one in flight keeps its claim: its attempt's outcome is recorded as it comes
        SET status = 'pending', next_attempt_at = now(), created_at = now(),
          claimed_until = CASE WHEN status = 'pending' THEN claimed_until END
        WHERE id = ${request.params.deliveryId}::bigint AND endpoint_id = ${endpoint.id}
        RETURNING id::text`.execute(h.ctx.store.db);
      if (!rows[0]) throw notFound(`delivery ${request.params.deliveryId}`);
      h.webhooks?.dispatcher.wake();
      return reply.code(202).send({ deliveryId: rows[0].id, status: 'pending' as const });
    },
  );
};
