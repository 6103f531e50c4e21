import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '@casework/host/config';
import t from 'tap';

/** The README's configuration table lists every setting the platform reads, and nothing else. */
t.test("the README's configuration table is the Config schema's", async (t) => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| variable'));
  const rows = [...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]!);
  t.same([...rows].sort(), Object.keys(Config.shape).sort());
});
