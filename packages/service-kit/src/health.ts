import type { Database } from '@casework/eventstore';
import type { Transport } from '@casework/messaging';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { HostedService } from './hosting.js';

/** Events waiting in a service's outbox above which the relay is reported as lagging. */
const RELAY_LAG_THRESHOLD = 100;

const Readiness = z
  .object({
    status: z.enum(['ready', 'degraded', 'unavailable']),
    checks: z.object({
      database: z.enum(['up', 'down']),
      transport: z.object({ kind: z.string(), status: z.enum(['connected', 'disconnected']) }),
      relays: z.record(
        z.string(),
        z.object({ status: z.enum(['ok', 'lagging', 'unknown']), lag: z.number() }),
      ),
      consumers: z.record(
        z.string(),
        z.object({ lag: z.number(), deadLettered: z.number(), retried: z.number() }),
      ),
    }),
  })
  .meta({
    example: {
      status: 'degraded',
      checks: {
        database: 'up',
        transport: { kind: 'jetstream', status: 'disconnected' },
        relays: { intake: { status: 'lagging', lag: 42 } },
        consumers: { 'placement:client-directory': { lag: 0, deadLettered: 0, retried: 1 } },
      },
    },
  });

export const healthRoutes: FastifyPluginAsyncZod<{
  database: Database;
  transport: Transport;
  hosted: HostedService[];
}> = async (app, { database, transport, hosted }) => {
  app.get(
    '/health/live',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['health'],
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  /**
   * Ready while the database answers: commands keep working through a NATS outage (events wait in the
   * outbox), so a lagging relay or a lost NATS connection is reported as degraded, not as unavailable.
   */
  app.get(
    '/health/ready',
    {
      config: { roles: 'public' },
      schema: { tags: ['health'], security: [], response: { 200: Readiness, 503: Readiness } },
    },
    async (_request, reply) => {
      const databaseStatus = await databaseUp(database);
      const relays: z.infer<typeof Readiness>['checks']['relays'] = {};
      const consumers: z.infer<typeof Readiness>['checks']['consumers'] = {};
      const connected = transport.connected();
      for (const h of hosted) {
        const lag = databaseStatus === 'up' && h.relay ? await h.relay.lag().catch(() => -1) : -1;
        // events waiting while the transport is down lag by definition, however few they are
        const lagging = lag > RELAY_LAG_THRESHOLD || (lag > 0 && !connected);
        relays[h.module.name] = { status: lag < 0 ? 'unknown' : lagging ? 'lagging' : 'ok', lag };
        for (const c of h.consumers) {
          const s = c.consumer.stats();
          consumers[`${h.module.name}/${c.name}`] = {
            lag: await c.consumer.lag().catch(() => -1),
            deadLettered: s.deadLettered,
            retried: s.retried,
          };
        }
      }
      const degraded = !connected || Object.values(relays).some((r) => r.status !== 'ok');
      const status = databaseStatus === 'down' ? 'unavailable' : degraded ? 'degraded' : 'ready';
      reply.status(status === 'unavailable' ? 503 : 200);
      return {
        status,
        checks: {
          database: databaseStatus,
          transport: { kind: transport.kind, status: connected ? 'connected' : 'disconnected' },
          relays,
          consumers,
        },
      } as const;
    },
  );
};

async function databaseUp(database: Database): Promise<'up' | 'down'> {
  try {
    await database.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    return 'up';
  } catch {
    return 'down';
  }
}
