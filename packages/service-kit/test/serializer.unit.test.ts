import Fastify from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import t from 'tap';
import { z } from 'zod';
import { serializerCompiler } from '../src/serializer.js';

// Responses are written by their schema (fast-json-stringify from the zod schema), not parsed by zod:
// what the schema declares is written as zod would write it, nothing else ever is, and a response
// missing a required property fails instead of going out.

const Stay = z.object({
  placementId: z.uuid(),
  from: z.iso.date(),
  status: z.enum(['planned', 'active', 'ended']),
  termEnd: z.iso.date().optional(),
  destination: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('site'), siteId: z.uuid() }),
      z.object({ kind: z.enum(['family_home', 'unknown']) }),
    ])
    .optional(),
  places: z.number().int(),
  share: z.number(),
  tags: z.array(z.string()),
  byMonth: z.record(z.string(), z.object({ amountMinor: z.number().int(), currency: z.literal('EUR') })),
  note: z.string().nullable(),
});
const Page = z.object({ items: z.array(Stay), next: z.string().optional() }).meta({ id: 'SerializerPage' });

async function appAnswering(body: unknown, schema: z.ZodType = Page) {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.get('/page', { schema: { response: { 200: schema } } }, async () => body as never);
  await app.ready();
  return app;
}

const stay = {
  placementId: '0192d2c4-8a7e-7cc2-9a51-3f1b2c4d5e6f',
  from: '2026-11-02',
  status: 'active',
  destination: { kind: 'site', siteId: '0192d2c4-8a7e-7cc2-9a51-3f1b2c4d5e70' },
  places: 12,
  share: 0.25,
  tags: ['квартира', 'a "quoted" \\ tag\n'],
  byMonth: { '2026-11': { amountMinor: 12_345, currency: 'EUR' } },
  note: null,
};

t.test('what the schema declares is written as zod would write it', async (t) => {
  const page = {
    items: [stay, { ...stay, status: 'ended', termEnd: '2027-01-31', note: 'бележка' }],
    next: 'c2',
  };
  const app = await appAnswering(page);
  const r = await app.inject({ method: 'GET', url: '/page' });
  t.equal(r.statusCode, 200);
  t.same(r.json(), Page.parse(page), 'the same document');
});

t.test('nothing beyond the contract reaches a response, at any depth', async (t) => {
  const leaky = {
    items: [
      { ...stay, identifier: '7501010000', destination: { ...stay.destination, address: 'ул. Примерна 1' } },
    ],
    internal: { lockedBy: 'x' },
  };
  const app = await appAnswering(leaky);
  const r = await app.inject({ method: 'GET', url: '/page' });
  t.equal(r.statusCode, 200);
  t.notMatch(r.body, /identifier|7501010000|address|Примерна|internal|lockedBy/);
  t.same(r.json(), Page.parse(leaky), 'what zod would keep, and only that');
});

t.test('a response missing a required property fails instead of going out', async (t) => {
  const { placementId: _, ...partial } = stay;
  const app = await appAnswering({ items: [partial] });
  const r = await app.inject({ method: 'GET', url: '/page' });
  t.equal(r.statusCode, 500);
  t.notMatch(r.body, /2026-11-02/, 'none of the record in the answer');
});

t.test('a value the schema does not allow fails the response, never goes out coerced', async (t) => {
  const Money = z.object({ amountMinor: z.number().int(), currency: z.literal('EUR') });
  const Statement = z.object({ totalDue: Money, status: z.enum(['open', 'paid']), note: z.string() });
  const good = { totalDue: { amountMinor: 1_000, currency: 'EUR' }, status: 'open', note: 'x' };
  const ok = await (await appAnswering(good, Statement)).inject({ method: 'GET', url: '/page' });
  t.same([ok.statusCode, ok.json()], [200, good]);
  for (const [what, body] of [
    ['a null amount', { ...good, totalDue: { amountMinor: null, currency: 'EUR' } }],
    ['a null object', { ...good, totalDue: null }],
    ['a fraction of a cent', { ...good, totalDue: { amountMinor: 1234.9, currency: 'EUR' } }],
    ['another currency', { ...good, totalDue: { amountMinor: 1_000, currency: 'BGN' } }],
    ['a status not in the list', { ...good, status: 'lost' }],
    ['a null string', { ...good, note: null }],
  ] as const) {
    const r = await (await appAnswering(body, Statement)).inject({ method: 'GET', url: '/page' });
    t.equal(r.statusCode, 500, `${what}: 500`);
    t.notMatch(r.body, /1234|BGN|lost/, `${what}: nothing of the value in the answer`);
  }
});

t.test('what JSON Schema cannot say is checked by zod, and still writes nothing undeclared', async (t) => {
  const Shaped = z.object({ a: z.string() }).transform((v) => ({ a: v.a.toUpperCase() }));
  const r = await (await appAnswering({ a: 'x', secret: 'ЕГН' }, Shaped)).inject({
    method: 'GET',
    url: '/page',
  });
  t.notMatch(r.body, /secret|ЕГН/);
  const Keyed = z.object({ byKind: z.record(z.enum(['day', 'residential']), z.number().int()) });
  const k = await (await appAnswering({ byKind: { day: 1, secret: 2 } }, Keyed)).inject({
    method: 'GET',
    url: '/page',
  });
  t.notMatch(k.body, /secret/, 'a key outside the enumeration never goes out');
});
