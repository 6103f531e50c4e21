import * as contracts from '@casework/contracts';
import t from 'tap';
import { z } from 'zod';
import { writerFor } from '../src/responseSerializer.js';

/** Issue 19: answers are written by fast-json-stringify from their zod schemas, exactly as zod wrote them. */

/** A JSON value with every object's keys in one order: the writer keeps the schema's, zod the answer's. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, x]) => [k, sorted(x)]),
        )
      : v;

const examples = Object.entries(contracts).flatMap(([name, value]) => {
  if (!(value instanceof z.ZodType)) return [];
  const example = (value.meta() as { example?: unknown } | undefined)?.example;
  return example === undefined ? [] : [{ name, schema: value, example }];
});

t.test('the writer and zod write every example of the contracts alike', async (t) => {
  t.ok(examples.length > 100, `${examples.length} schemas with examples`);
  let compared = 0;
  for (const { name, schema, example } of examples) {
    const byZod = z.safeEncode(schema, example as never);
    // an example of a request body, say, that only parses one way: nothing to write
    if (!byZod.success) continue;
    const write = writerFor(schema);
    if (!write) continue;
    compared++;
    t.same(sorted(JSON.parse(write(example))), sorted(JSON.parse(JSON.stringify(byZod.data))), name);
  }
  t.ok(compared > 100, `${compared} compared`);
});

t.test('a field the schema does not name is never written, at any depth', async (t) => {
  const page = examples.find((e) => e.name === 'PlacementPage')!;
  const example = page.example as { items: Record<string, unknown>[] };
  const leaky = {
    ...example,
    internal: 'not for the caller',
    items: example.items.map((i) => ({ ...i, identifier: '8001010008', note: 'private' })),
  };
  const written = writerFor(page.schema)!(leaky);
  t.notMatch(written, /internal|8001010008|private/, 'extra fields stay behind');
  t.same(sorted(JSON.parse(written)), sorted(JSON.parse(writerFor(page.schema)!(example))));
});

t.test('a schema JSON Schema cannot express keeps zod', async (t) => {
  t.equal(writerFor(z.object({ at: z.date() })), undefined, 'a Date');
  t.equal(writerFor(z.string().transform((s) => s.length)), undefined, 'a transform');
  t.type(writerFor(z.object({ n: z.number() })), 'function', 'a plain object compiles');
});
