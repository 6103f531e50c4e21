import t from 'tap';
import { z } from 'zod';
import * as contracts from '../src/index.js';

/** Every example shown in the OpenAPI document is valid against the schema it illustrates. */
t.test('each schema’s examples parse against it', async (t) => {
  let checked = 0;
  for (const [name, value] of Object.entries(contracts)) {
    if (!(value instanceof z.ZodType)) continue;
    const meta = value.meta() as { example?: unknown; examples?: unknown[] } | undefined;
    const examples = [...(meta?.example !== undefined ? [meta.example] : []), ...(meta?.examples ?? [])];
    for (const example of examples) {
      const r = value.safeParse(example);
      t.ok(r.success, `${name}: ${r.success ? 'valid' : JSON.stringify(r.error.issues)}`);
      checked++;
    }
  }
  t.ok(checked >= 25, `${checked} examples checked`);
});
