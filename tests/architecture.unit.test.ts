import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

/** DESIGN §1: services depend on packages only, packages never on services, contracts on nothing of ours. */
const root = join(import.meta.dirname, '..');
const dirs = (parent: string) => readdirSync(join(root, parent)).map((d) => `${parent}/${d}`);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' || f === 'dist' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/from '(@casework\/[a-z-]+)/g)].map((m) => m[1]!);

for (const pkg of [...dirs('packages'), ...dirs('services')]) {
  const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8'));
  const own = manifest.name as string;
  const used = new Set(sourceFiles(join(root, pkg, 'src')).flatMap(imports));
  used.delete(own);
  t.test(`${own} respects the dependency rule`, async (t) => {
    const services = [...used].filter((u) =>
      ['intake', 'eligibility', 'placement', 'billing'].includes(u.split('/')[1]!),
    );
    if (pkg.startsWith('services/')) t.same(services, [], 'a service imports no other service');
    else if (own !== '@casework/platform') t.same(services, [], 'a package imports no service');
    if (own === '@casework/contracts') t.same([...used], [], 'contracts depends on nothing of ours');
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    t.same(
      [...used].filter((u) => !declared.has(u)),
      [],
      'every @casework import is a declared dependency',
    );
  });
}
