/**
 * Services as separate node processes, as the distributed mode runs them (README: one service per
 * process, `apps/platform/src/main.ts --service <name>`), several instances each, against one
 * database and one NATS prefix/stream. Fault tests kill and restart them; each instance's output goes to
 * a file of its own whose tail is printed when the test fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { TEST_IDENTIFIER_KEY, TEST_SIGNING_KEY } from './app.js';
import type { Teardown } from './resources.js';
import { freePort } from './servers.js';

/** The repository's root (this file is packages/testkit/src/processes.ts). */
export const REPOSITORY_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const MAIN = join(REPOSITORY_ROOT, 'apps', 'platform', 'src', 'main.ts');
const TSX_ARGS = ['--max-semi-space-size=64', '--conditions=casework-src', '--import', 'tsx'];

type Esbuild = {
  build: (o: Record<string, unknown>) => Promise<unknown>;
};

/**
 * main.ts and our packages bundled into one file (third-party packages stay where they are, imported by
 * absolute path), so an instance starts in a second or two instead of tsx transforming some hundred
 * files in each process: a dozen processes start at once on two cores. `import.meta.url` and
 * `import.meta.dirname` keep naming each source file (reference data is read relative to them).
 * Built once per test process with the esbuild that tsx brings; FAULT_RUNNER=tsx runs the sources.
 */
let bundled: Promise<string> | undefined;
function bundleMain(): Promise<string> {
  bundled ??= (async () => {
    const fromRoot = createRequire(join(REPOSITORY_ROOT, 'package.json'));
    const esbuild = createRequire(fromRoot.resolve('tsx'))('esbuild') as Esbuild;
    const outfile = join(mkdtempSync(join(tmpdir(), 'casework-bundle-')), 'main.mjs');
    const { readFile } = await import('node:fs/promises');
    await esbuild.build({
      entryPoints: [MAIN],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['casework-src'],
      logLevel: 'error',
      banner: {
        js: "import { createRequire as __cwRequire } from 'node:module'; const require = __cwRequire(import.meta.url);",
      },
      plugins: [
        {
          name: 'casework-externals',
          setup(build: {
            onResolve: (
              o: { filter: RegExp },
              f: (a: { path: string; resolveDir: string; kind: string; pluginData?: unknown }) => unknown,
            ) => void;
            onLoad: (o: { filter: RegExp }, f: (a: { path: string }) => unknown) => void;
            resolve: (
              p: string,
              o: { resolveDir: string; kind: string; pluginData: unknown },
            ) => Promise<{ path: string; errors: unknown[] }>;
          }) {
            build.onResolve({ filter: /^[^./]/ }, async (a) => {
              if (a.path.startsWith('@casework/') || a.path.startsWith('node:') || a.pluginData === 'inner')
                return undefined;
              const r = await build.resolve(a.path, {
                resolveDir: a.resolveDir,
                kind: a.kind,
                pluginData: 'inner',
              });
              if (r.errors.length > 0 || !r.path.startsWith('/')) return { path: a.path, external: true };
              return { path: pathToFileURL(r.path).href, external: true };
            });
            build.onLoad({ filter: /\/(packages|services)\/[^/]+\/src\/.*\.ts$/ }, async (a) => {
              const source = await readFile(a.path, 'utf8');
              return {
                loader: 'ts',
                contents: source
                  .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href))
                  .replaceAll('import.meta.dirname', JSON.stringify(resolve(a.path, '..'))),
              };
            });
          },
        },
      ],
    });
    return outfile;
  })();
  return bundled;
}

/** Node's arguments to run the platform's main.ts (bundled, or its sources with FAULT_RUNNER=tsx). */
export async function nodeArgs(): Promise<string[]> {
  if (process.env.FAULT_RUNNER === 'tsx') return [...TSX_ARGS, MAIN];
  return ['--max-semi-space-size=64', await bundleMain()];
}

export type ServiceName = 'intake' | 'eligibility' | 'placement' | 'billing';

export type Instance = {
  /** `intake#0`, `placement#2`, … */
  id: string;
  service: ServiceName;
  index: number;
  port: number;
  url: string;
  logFile: string;
  /** How many times it was started. */
  starts: number;
  readonly pid: number | undefined;
  readonly alive: boolean;
};

export type Fleet = {
  instances: Instance[];
  /** The instances of one service. */
  of: (service: ServiceName) => Instance[];
  /** The base URLs of a service's instances that run now. */
  urls: (service: ServiceName) => string[];
  /** The environment every instance runs with (for a `projections:rebuild` of the same deployment). */
  env: Record<string, string>;
  kill: (instance: Instance | string, signal?: NodeJS.Signals) => Promise<void>;
  /** Starts the instance again on its port (killing it first if it runs) and waits until it is ready. */
  restart: (instance: Instance | string, options?: { wait?: boolean }) => Promise<void>;
  /** Waits until the instance answers /health/ready with 200. */
  ready: (instance: Instance | string, ms?: number) => Promise<void>;
  stopAll: () => Promise<void>;
  /** The last lines of each instance's output. */
  tails: (lines?: number) => string;
  /** Runs main.ts with other arguments and this fleet's environment (e.g. `projections:rebuild`). */
  run: (args: string[], ms?: number) => Promise<{ code: number | null; stdout: string; stderr: string }>;
};

export type FleetOptions = {
  databaseUrl: string;
  natsUrl: string;
  prefix: string;
  stream: string;
  replicas?: number;
  /** Instances per service, e.g. `{ intake: 2, eligibility: 2, placement: 2, billing: 2 }`. */
  instances: Partial<Record<ServiceName, number>>;
  env?: Record<string, string>;
  /** Printed when the test fails: true unless set. */
  printTailsOnFailure?: boolean;
};

/** Starts the services as processes and waits until every instance is ready; stopped at teardown. */
export async function startFleet(t: Teardown & { passing?: () => boolean }, o: FleetOptions): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'casework-fleet-'));
  const env: Record<string, string> = {
    DATABASE_URL: o.databaseUrl,
    NATS_URL: o.natsUrl,
    NATS_PREFIX: o.prefix,
    NATS_STREAM: o.stream,
    NATS_REPLICAS: String(o.replicas ?? 1),
    AUTH_SIGNING_KEY: TEST_SIGNING_KEY,
    IDENTIFIER_HASH_KEY: TEST_IDENTIFIER_KEY,
    DATABASE_POOL_MAX: '4',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_SEARCHES: '0',
    RATE_LIMIT_REGISTRATIONS: '0',
    RATE_LIMIT_TOKENS: '0',
    RATE_LIMIT_IDENTIFIER_PROBES: '0',
    ...o.env,
  };
  const childEnv = () => {
    const base = { ...process.env };
    // tap's own variables would make the child think it is a test
    for (const k of Object.keys(base)) if (k.startsWith('TAP')) delete base[k];
    return { ...base, ...env };
  };
  const procs = new Map<string, ChildProcess>();
  const instances: Instance[] = [];
  for (const [service, n] of Object.entries(o.instances) as [ServiceName, number][]) {
    for (let index = 0; index < n; index++) {
      const port = await freePort();
      const id = `${service}#${index}`;
      instances.push({
        id,
        service,
        index,
        port,
        url: `http://127.0.0.1:${port}`,
        logFile: join(dir, `${service}-${index}.log`),
        starts: 0,
        get pid() {
          return procs.get(id)?.pid;
        },
        get alive() {
          const p = procs.get(id);
          return Boolean(p && p.exitCode === null && p.signalCode === null);
        },
      });
    }
  }
  const find = (i: Instance | string) => {
    const found = typeof i === 'string' ? instances.find((x) => x.id === i) : i;
    if (!found) throw new Error(`no instance ${String(i)}`);
    return found;
  };
  const args = await nodeArgs();
  const spawnInstance = (i: Instance) => {
    const fd = openSync(i.logFile, 'a');
    const p = spawn(process.execPath, [...args, '--service', i.service], {
      cwd: REPOSITORY_ROOT,
      env: { ...childEnv(), PORT: String(i.port), HOST: '127.0.0.1' },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    i.starts++;
    procs.set(i.id, p);
  };
  const ready = async (instance: Instance | string, ms = 120_000) => {
    const i = find(instance);
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!i.alive) throw new Error(`${i.id} exited while starting:\n${tail(i, 30)}`);
      const ok = await fetch(`${i.url}/health/ready`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await sleep(200);
    }
    throw new Error(`${i.id} was not ready within ${ms} ms:\n${tail(i, 30)}`);
  };
  const kill = async (instance: Instance | string, signal: NodeJS.Signals = 'SIGKILL') => {
    const i = find(instance);
    const p = procs.get(i.id);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };
  const tail = (i: Instance, lines: number) => {
    try {
      return readFileSync(i.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const tails = (lines = 15) =>
    instances.map((i) => `--- ${i.id} (started ${i.starts}×) ---\n${tail(i, lines)}`).join('\n');
  /** SIGTERM (a graceful drain), then SIGKILL for whoever is still there after 5 s. */
  const stopAll = async () => {
    const term = Promise.all(instances.map((i) => kill(i, 'SIGTERM')));
    await Promise.race([term, sleep(5000)]);
    await Promise.all(instances.map((i) => kill(i, 'SIGKILL')));
    await term;
  };
  const fleet: Fleet = {
    instances,
    of: (service) => instances.filter((i) => i.service === service),
    urls: (service) => instances.filter((i) => i.service === service && i.alive).map((i) => i.url),
    env,
    kill,
    ready,
    restart: async (instance, { wait = true } = {}) => {
      const i = find(instance);
      await kill(i);
      spawnInstance(i);
      if (wait) await ready(i);
    },
    stopAll,
    tails,
    run: (command, ms = 120_000) =>
      new Promise((resolveRun) => {
        const p = spawn(process.execPath, [...args, ...command], {
          cwd: REPOSITORY_ROOT,
          env: childEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => {
          stdout += d;
        });
        p.stderr.on('data', (d) => {
          stderr += d;
        });
        const timer = setTimeout(() => p.kill('SIGKILL'), ms);
        p.on('exit', (code) => {
          clearTimeout(timer);
          resolveRun({ code, stdout, stderr });
        });
      }),
  };
  t.teardown(async () => {
    await Promise.all(instances.map((i) => kill(i, 'SIGKILL')));
    if (o.printTailsOnFailure !== false && t.passing && !t.passing()) console.error(tails(25));
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      console.error(`# could not remove ${dir}: ${(e as Error).message}`);
    }
  });
  // the first instance of each service migrates its schema alone; the others start once it is ready
  const firsts = instances.filter((i) => i.index === 0);
  for (const i of firsts) spawnInstance(i);
  await Promise.all(firsts.map((i) => ready(i)));
  const rest = instances.filter((i) => i.index > 0);
  for (const i of rest) spawnInstance(i);
  await Promise.all(rest.map((i) => ready(i)));
  return fleet;
}
