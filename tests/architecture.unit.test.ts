import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

/**
 * DESIGN §1: apps on top (they compose services), services depend on packages only, packages never on
 * services or apps, contracts on nothing of ours.
 */
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

for (const pkg of [...dirs('packages'), ...dirs('services'), ...dirs('apps')]) {
  const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8'));
  const own = manifest.name as string;
  const used = new Set(sourceFiles(join(root, pkg, 'src')).flatMap(imports));
  used.delete(own);
  t.test(`${own} respects the dependency rule`, async (t) => {
    const services = [...used].filter((u) =>
      ['intake', 'eligibility', 'placement', 'billing'].includes(u.split('/')[1]!),
    );
    if (pkg.startsWith('services/')) t.same(services, [], 'a service imports no other service');
    else if (pkg.startsWith('packages/')) t.same(services, [], 'a package imports no service');
    t.notOk(
      !pkg.startsWith('apps/') && [...used].includes('@casework/platform'),
      'nothing but an app imports an app',
    );
    if (own === '@casework/contracts') t.same([...used], [], 'contracts depends on nothing of ours');
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    t.same(
      [...used].filter((u) => !declared.has(u)),
      [],
      'every @casework import is a declared dependency',
    );
  });
}

/**
 * Layer rules over the import graph of every package's and service's sources (DESIGN §2), read by
 * dependency-cruiser (type-only imports included): no circle; a decider's domain imports no other layer
 * of its service and nothing that does I/O; projections (and the read-model queries beside them) never
 * reach up into application code; migrations never import live domain code, whose change would change
 * what an applied migration meant; no relative import crosses into another package or service.
 */
const LAYERS = 'application|projections|http|consumers|workers|migrations|views|documents';
/** Libraries that do I/O, by name or as resolved under node_modules, and node's I/O modules. */
const IO = [
  '(^|/node_modules/)(kysely|pg|fastify|@fastify/[^/]+|@nats-io/[^/]+|@electric-sql/[^/]+|pdfkit)(/|$)',
  '^(node:)?(fs|net|http|https|child_process|worker_threads)(/|$)',
];
/**
 * The query builder: SQL lives in the read models' query modules, not in routes. The rule reads imports:
 * it keeps `sql` templates out of `http/`; a builder reached through `ctx.store.db` is for review to see.
 */
const SQL = '(^|/node_modules/)kysely(/|$)';
const OTHER_PACKAGES =
  '^@casework/(eventstore|messaging|service-kit|client-directory|client|host|platform|testkit|intake|eligibility|placement|billing)';
const layerRules = [
  { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  {
    name: 'domain-imports-no-other-layer',
    severity: 'error',
    from: { path: '^services/[^/]+/src/domain/' },
    to: { path: `^services/[^/]+/src/(${LAYERS})/` },
  },
  {
    name: 'domain-does-no-io',
    severity: 'error',
    from: { path: '^services/[^/]+/src/domain/' },
    to: { path: [...IO, OTHER_PACKAGES] },
  },
  {
    name: 'projections-import-no-application',
    severity: 'error',
    from: { path: '^services/[^/]+/src/projections/' },
    to: { path: '^services/[^/]+/src/(application|http|consumers|workers)/' },
  },
  {
    name: 'routes-query-through-read-models',
    severity: 'error',
    from: { path: '^services/[^/]+/src/http/' },
    to: { path: SQL },
  },
  {
    name: 'migrations-import-no-domain',
    severity: 'error',
    from: { path: '^services/[^/]+/src/migrations/' },
    to: { path: '^services/[^/]+/src/(domain|application|projections|http|consumers|workers)/' },
  },
  {
    name: 'no-relative-import-across-packages',
    severity: 'error',
    from: { path: '^(apps|packages|services)/([^/]+)/' },
    to: { dependencyTypes: ['local'], path: '^(apps|packages|services)/', pathNot: '^$1/$2/' },
  },
] as const;

async function violationsIn(paths: string[], baseDir = root) {
  const { cruise } = await import('dependency-cruiser');
  const result = await cruise(
    paths,
    {
      baseDir,
      validate: true,
      tsPreCompilationDeps: true,
      // npm modules stay in the graph (unfollowed) so rules can name them; our builds and tests do not
      exclude: { path: '^(apps|packages|services)/[^/]+/(dist|test)/|\\.test\\.ts$' },
      doNotFollow: { path: 'node_modules' },
      ruleSet: { forbidden: layerRules as never },
    },
    { extensions: ['.ts', '.js'] },
  );
  const output = result.output as Exclude<typeof result.output, string>;
  return {
    modules: output.modules,
    violations: output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
  };
}

t.test('the layer rules hold over the import graph', async (t) => {
  const { modules, violations } = await violationsIn(['apps', 'packages', 'services']);
  const plugin = modules.find((m) => m.source === 'services/billing/src/plugin.ts');
  t.ok(
    plugin?.dependencies.some((d) => d.resolved === 'services/billing/src/http/periods.ts'),
    'relative imports written with .js are read as the .ts files they name',
  );
  t.ok(modules.length > 300, `the graph holds every source file (${modules.length})`);
  const queries = modules.find((m) => m.source === 'services/billing/src/projections/siteQueries.ts');
  t.ok(
    queries?.dependencies.some((d) => /\/node_modules\/kysely\//.test(d.resolved)),
    'imports of npm packages are in the graph, as resolved, for the rules that name them',
  );
  t.same(violations, [], 'no import breaks a layer rule');
});

t.test('the rules catch what they forbid', async (t) => {
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('services/demo/src/domain/a.ts', "import type { B } from './b.js';\nexport type A = B;\n");
  write('services/demo/src/domain/b.ts', "import type { A } from './a.js';\nexport type B = { a?: A };\n");
  write(
    'services/demo/src/domain/c.ts',
    "import { sql } from 'kysely';\nimport { x } from '../application/x.js';\nexport const c = [sql, x];\n",
  );
  write(
    'services/demo/src/domain/d.ts',
    "import { readFileSync } from 'node:fs';\nexport const d = readFileSync;\n",
  );
  // a package a decider may stand on, and one it may not
  write(
    'services/demo/src/domain/e.ts',
    "import { eur } from '@casework/contracts';\nimport { serviceType } from '@casework/reference-data';\nexport const e = [eur, serviceType];\n",
  );
  write(
    'services/demo/src/domain/f.ts',
    "import { execute } from '@casework/service-kit';\nexport const f = execute;\n",
  );
  write('services/demo/src/application/x.ts', 'export const x = 1;\n');
  write('services/demo/src/http/r.ts', "import { sql } from 'kysely';\nexport const r = sql;\n");
  write(
    'services/demo/src/projections/p.ts',
    "import { x } from '../application/x.js';\nexport const p = x;\n",
  );
  write(
    'services/demo/src/migrations/m.ts',
    "import type { A } from '../domain/a.js';\nexport type M = A;\n",
  );
  write(
    'services/other/src/o.ts',
    "import { x } from '../../demo/src/application/x.js';\nexport const o = x;\n",
  );
  const { violations } = await violationsIn(['services'], dir);
  for (const [rule, from] of [
    ['no-circular', 'domain/a.ts'],
    ['domain-imports-no-other-layer', 'domain/c.ts'],
    ['domain-does-no-io', 'domain/c.ts'],
    ['domain-does-no-io', 'domain/d.ts'],
    ['domain-does-no-io', 'domain/f.ts'],
    ['projections-import-no-application', 'projections/p.ts'],
    ['routes-query-through-read-models', 'http/r.ts'],
    ['migrations-import-no-domain', 'migrations/m.ts'],
  ])
    t.ok(
      violations.some((v) => v.startsWith(`${rule}: services/demo/src/${from} -> `)),
      `${rule} is caught in ${from}`,
    );
  t.ok(
    violations.some((v) => v.startsWith('no-relative-import-across-packages: services/other/src/o.ts -> ')),
    'no-relative-import-across-packages is caught',
  );
  t.notOk(
    violations.some((v) => v.includes('services/demo/src/domain/e.ts')),
    'a domain file may import contracts and reference data',
  );
});

/** The HTTP problem builders of service-kit: an answer's status is the HTTP layer's to choose. */
const HTTP_PROBLEMS = new Set(['notFound', 'badRequest', 'conflict', 'ruleViolated', 'ProblemError']);
const BELOW_HTTP = /^services\/[^/]+\/src\/(domain|application|projections|consumers|workers)\//;

t.test('below the HTTP layer a refusal is a domain error, never an HTTP problem', async (t) => {
  const offenders = dirs('services')
    .flatMap((service) => sourceFiles(join(root, service, 'src')))
    .map((file) => file.slice(root.length + 1))
    .filter((file) => BELOW_HTTP.test(file))
    .flatMap((file) =>
      [
        ...readFileSync(join(root, file), 'utf8').matchAll(
          /import \{([^}]*)\} from '@casework\/service-kit'/g,
        ),
      ]
        .flatMap((m) => m[1]!.split(',').map((name) => name.replace(/^\s*type\s+/, '').trim()))
        .filter((name) => HTTP_PROBLEMS.has(name))
        .map((name) => `${file}: ${name}`),
    );
  t.same(offenders, [], 'application, domain, projections, consumers and workers throw DomainErrors');
  t.ok(
    BELOW_HTTP.test('services/placement/src/application/stays.ts'),
    'the check reads the application layer',
  );
});
