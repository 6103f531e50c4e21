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

async function appAnswering(body: unknown) {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.get('/page', { schema: { response: { 200: Page } } }, async () => body as never);
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
