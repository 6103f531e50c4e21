import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { LocalDate } from '@casework/contracts';
import type { Database } from '@casework/eventstore';
import { InProcessTransport } from '@casework/messaging';
import { TEST_IDENTIFIER_KEY, TEST_SIGNING_KEY, type Teardown, testPostgres } from '@casework/testkit';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  buildApp,
  decodeCursor,
  deprecatedField,
  mintToken,
  notFound,
  type Principal,
  pageOf,
  principalOf,
  ruleViolated,
  type ServiceContext,
  type ServiceModule,
} from '../src/index.js';

/**
 * A small service of "things" to exercise the kit's edge (idempotency, input checks, cursors, headers)
 * without the rules of a real service. A thing belongs to a municipality; only callers of that
 * municipality see it. Names and identifiers are synthetic.
 */
export const SCHEMA = 'kit_things';

const Thing = z.object({
  thingId: z.uuid(),
  municipality: z.string(),
  givenName: z.string(),
  identifier: z.string(),
  version: z.number().int(),
});
const Note = z.object({ thingId: z.uuid(), text: z.string(), notes: z.number().int() });

export const fixture = { delayMs: 0 };

const routes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const load = async (thingId: string, caller: Principal) => {
    const { events, version } = await ctx.store.readStream(`thing-${thingId}`);
    if (events.length === 0) throw notFound('the thing');
    const state = Object.assign({}, ...events.map((e) => e.data as object)) as z.infer<typeof Thing>;
    if (state.municipality !== caller.municipality) throw notFound('the thing');
    return { ...state, thingId, version, notes: events.filter((e) => e.type === 'Noted').length };
  };
  const append = async (thingId: string, expected: number | 'no_stream', type: string, data: object) => {
    const r = await ctx.store.append([
      {
        streamId: `thing-${thingId}`,
        streamType: 'thing',
        expectedVersion: expected,
        events: [
          {
            type,
            data,
            metadata: {
              specversion: '1.0',
              id: randomUUID(),
              type: `casework.test.${type}.v1`,
              source: 'test',
              subject: `thing-${thingId}`,
              time: ctx.clock().toISOString(),
              correlationid: 'test',
            },
          },
        ],
      },
    ]);
    return r.streams[0]!.version;
  };
  const sleep = () => new Promise((r) => setTimeout(r, fixture.delayMs));

  app.post(
    '/v1/things',
    {
      schema: {
        body: z.object({ municipality: z.string(), givenName: z.string(), identifier: z.string() }),
        response: { 201: Thing },
      },
    },
    async (request, reply) => {
      const caller = principalOf(request);
      if (request.body.municipality !== caller.municipality) throw notFound('the municipality');
      if (request.body.givenName === 'Invalid') throw ruleViolated('BAD_NAME', 'not a name');
      await sleep();
      const thingId = randomUUID();
      const version = await append(thingId, 'no_stream', 'Created', request.body);
      reply.status(201).header('location', `/v1/things/${thingId}`).header('etag', `"${version}"`);
      return { thingId, ...request.body, version };
    },
  );
  app.get(
    '/v1/things',
    {
      schema: {
        querystring: z.object({
          cursor: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(100).default(2),
          from: LocalDate.optional(),
        }),
      },
    },
    async (request) => {
      const after = decodeCursor(request.query.cursor, 1);
      const { rows } = await sql<{ stream_id: string }>`SELECT stream_id FROM ${sql.id(SCHEMA)}.streams
        WHERE stream_id > ${String(after?.[0] ?? '')} ORDER BY stream_id LIMIT ${request.query.limit + 1}`.execute(
        ctx.store.db,
      );
      return pageOf(rows, request.query.limit, (r) => [r.stream_id]);
    },
  );
  // a route on its way out (docs/versioning.md)
  app.get(
    '/v1/things-count',
    {
      config: {
        deprecated: {
          since: '2026-12-01',
          sunset: '2027-12-31',
          link: 'https://casework.example/versioning',
        },
      },
      schema: { summary: 'How many things there are', response: { 200: z.object({ things: z.number() }) } },
    },
    async () => {
      const { rows } = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM ${sql.id(SCHEMA, 'streams')}`.execute(ctx.store.db);
      return { things: rows[0]!.n };
    },
  );
  // a route of today whose answer holds a field on its way out
  app.get(
    '/v1/things-summary',
    {
      schema: {
        summary: 'What the things are',
        response: {
          200: z.object({
            count: z.number(),
            things: deprecatedField(z.number().meta({ description: 'The count, under its old name' }), {
              since: '2026-12-01',
              sunset: '2027-12-31',
              link: 'https://casework.example/versioning',
            }),
          }),
        },
      },
    },
    async () => ({ count: 0, things: 0 }),
  );
  // a query that trusts its input, as a forgotten cast would: the database refuses the value
  app.get(
    '/v1/things/cast',
    { schema: { querystring: z.object({ value: z.string() }) } },
    async (request) => {
      await sql`SELECT ${request.query.value}::uuid AS id`.execute(ctx.store.db);
      return {};
    },
  );
  // a fault of our own whose message quotes a value from the request, as a careless one might
  app.get(
    '/v1/things/fault',
    { schema: { querystring: z.object({ name: z.string() }) } },
    async (request) => {
      throw new Error(`could not file the record of ${request.query.name}`);
    },
  );
  app.get(
    '/v1/things/:thingId',
    { schema: { params: z.object({ thingId: z.uuid() }), response: { 200: Thing } } },
    async (request, reply) => {
      const { notes: _, ...thing } = await load(request.params.thingId, principalOf(request));
      reply.header('etag', `"${thing.version}"`);
      return thing;
    },
  );
  app.post(
    '/v1/things/:thingId/rename',
    {
      schema: {
        params: z.object({ thingId: z.uuid() }),
        body: z.object({ givenName: z.string() }),
        response: { 200: Thing },
      },
    },
    async (request, reply) => {
      const { notes: _, ...thing } = await load(request.params.thingId, principalOf(request));
      const version = await append(thing.thingId, thing.version, 'Renamed', request.body);
      reply.header('etag', `"${version}"`);
      return { ...thing, ...request.body, version };
    },
  );
  app.post(
    '/v1/things/:thingId/notes',
    {
      schema: {
        params: z.object({ thingId: z.uuid() }),
        body: z.object({ text: z.string() }),
        response: { 200: Note },
      },
    },
    async (request) => {
      const thing = await load(request.params.thingId, principalOf(request));
      await append(thing.thingId, thing.version, 'Noted', request.body);
      return { thingId: thing.thingId, text: request.body.text, notes: thing.notes + 1 };
    },
  );
};

export const thingsService: ServiceModule = {
  name: 'test' as never,
  schema: SCHEMA,
  migrations: {},
  events: [],
  routes,
  projections: () => [],
  consumers: () => [],
};

export type KitApp = {
  app: FastifyInstance;
  database: Database;
  as: (municipality: string, sub?: string) => Promise<{ authorization: string }>;
  events: () => Promise<number>;
};

export async function kitApp(
  t: Teardown,
  options: {
    clock?: () => Date;
    idempotencyTtlHours?: number;
    logStream?: Writable;
    trustProxy?: boolean | string;
  } = {},
): Promise<KitApp> {
  const database = await testPostgres(t, { max: 10 });
  const transport = new InProcessTransport({ maxDeliver: 5 });
  const app = await buildApp({
    services: [thingsService],
    database,
    transport,
    auth: { signingKey: TEST_SIGNING_KEY },
    identifierKey: TEST_IDENTIFIER_KEY,
    logLevel: options.logStream ? 'info' : 'silent',
    workers: false,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.idempotencyTtlHours !== undefined
      ? { idempotencyTtlHours: options.idempotencyTtlHours }
      : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
  });
  t.teardown(async () => {
    await app.close();
    await transport.close();
  });
  return {
    app,
    database,
    as: async (municipality, sub = 'kit-user') => ({
      authorization: `Bearer ${await mintToken(TEST_SIGNING_KEY, { sub, roles: ['case_manager'], municipality } as Principal)}`,
    }),
    events: async () => {
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.id(SCHEMA)}.events`.execute(
        database.db,
      );
      return Number(rows[0]!.n);
    },
  };
}
