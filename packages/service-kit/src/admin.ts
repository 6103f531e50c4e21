import { Problem } from '@casework/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HostedService } from './hosting.js';
import { rebuildProjections } from './hosting.js';
import { notFound, ProblemError } from './problems.js';

const ServiceParam = z.object({ service: z.enum(['intake', 'eligibility', 'placement', 'billing']) });

const DeadLetter = z
  .object({
    id: z.string(),
    consumer: z.string(),
    eventId: z.uuid(),
    subject: z.string(),
    type: z.string(),
    error: z.string(),
    deliveries: z.number().int(),
    failedAt: z.string(),
    replayedAt: z.string().nullable(),
  })
  .meta({
    id: 'DeadLetter',
    example: {
      id: '7',
      consumer: 'client-directory',
      eventId: '01900000-0000-7000-8000-0000000000e1',
      subject: 'casework.intake.ClientRegistered',
      type: 'ClientRegistered',
      error: 'relation "placement.client_directory" does not exist',
      deliveries: 5,
      failedAt: '2026-11-23T08:20:00.000Z',
      replayedAt: null,
    },
  });

/** Operations for admins: dead letters (list, replay) and projection rebuilds, per hosted service. */
export const adminRoutes: FastifyPluginAsyncZod<{ hosted: HostedService[] }> = async (app, { hosted }) => {
  const find = (service: string) => {
    const h = hosted.find((x) => x.module.name === service);
    if (!h) throw notFound(`service ${service}`);
    return h;
  };

  app.get(
    '/v1/admin/:service/dead-letters',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Messages a consumer gave up on',
        params: ServiceParam,
        querystring: z.object({
          consumer: z.string().optional(),
          includeReplayed: z.coerce.boolean().default(false),
        }),
        response: { 200: z.object({ items: z.array(DeadLetter) }).meta({ example: { items: [] } }) },
      },
    },
    async (request) => ({
      items: await find(request.params.service).deadLetters.list(request.query),
    }),
  );

  app.post(
    '/v1/admin/:service/dead-letters/:id/replay',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Run a dead letter through its consumer again, once its cause is fixed',
        params: ServiceParam.extend({ id: z.string().regex(/^\d+$/) }),
        response: {
          200: z.object({ result: z.literal('replayed') }).meta({ example: { result: 'replayed' } }),
          // the consumer failed again (REPLAY_FAILED)
          409: Problem,
        },
      },
    },
    async (request) => {
      const h = find(request.params.service);
      const handlers = Object.fromEntries(h.module.consumers(h.ctx).map((c) => [c.name, c.handle]));
      const result = await h.deadLetters.replay(request.params.id, handlers);
      if (result === 'not_found') throw notFound(`dead letter ${request.params.id}`);
      if (result === 'failed')
        throw new ProblemError(
          409,
          'REPLAY_FAILED',
          'Conflict',
          'the consumer failed again; the letter stays',
        );
      return { result };
    },
  );

  app.post(
    '/v1/admin/:service/projections/:name/rebuild',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Empty a read model and replay it from the first event, while the service stays up',
        params: ServiceParam.extend({ name: z.string() }),
        response: {
          200: z
            .object({ projection: z.string(), events: z.number().int() })
            .meta({ example: { projection: 'clients', events: 1_060_000 } }),
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const replayed = await rebuildProjections(find(request.params.service), name);
      // own keys only: `toString` names no projection, though every object answers to it
      if (!Object.hasOwn(replayed, name)) throw notFound(`projection ${name}`);
      return { projection: name, events: replayed[name]! };
    },
  );
};
