/**
 * Finds PostgreSQL and NATS (JetStream) for tests (DESIGN §9): DATABASE_URL / NATS_URL if set, else the
 * local default ports if they answer, else throwaway servers started from the `postgres` and
 * `nats-server` binaries, installing the Debian packages first when running as root. One server of
 * each per test run; the state is kept in a file so every test process finds the same servers.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Servers = { databaseUrl: string; natsUrl: string };

const STATE_DIR = join(tmpdir(), 'casework-test-servers');
const STATE_FILE = join(STATE_DIR, 'servers.json');

export function answers(host: string, port: number, timeoutMs = 1000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let greeting = '';
    const done = (v: string | undefined) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(greeting || undefined));
    socket.on('connect', () => setTimeout(() => done(greeting), 150));
    socket.on('data', (d) => {
      greeting += d.toString();
    });
    socket.on('error', () => done(undefined));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export function which(bin: string, extraDirs: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...extraDirs]) {
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

const pgBinDirs = () =>
  existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort()
        .reverse()
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];

export function aptInstall(pkg: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${pkg} is not installed and tests are not running as root: install ${pkg} first`);
  }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

async function waitFor(host: string, port: number, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await answers(host, port, 300)) !== undefined) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start on port ${port}`);
}

/** Starts a throwaway PostgreSQL cluster (trust auth) in its own directory (as root, its parents must be readable by the postgres user). */
export async function startPostgres(dir: string): Promise<{ url: string; stop: () => void }> {
  let initdb = which('initdb', pgBinDirs());
  if (!initdb) {
    aptInstall('postgresql');
    initdb = which('initdb', pgBinDirs());
  }
  if (!initdb) throw new Error('no initdb binary found, even after installing postgresql');
  const pgCtl = join(initdb, '..', 'pg_ctl');
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'pgdata');
  // postgres refuses to run as root: run it as the postgres user when we are root
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asUser.length) execFileSync('chown', ['-R', 'postgres', dir]);
  const run = (cmd: string, args: string[]) =>
    execFileSync(asUser[0] ?? cmd, asUser.length ? [...asUser.slice(1), cmd, ...args] : args, {
      stdio: 'ignore',
    });
  run(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  run(pgCtl, [
    '-D',
    data,
    '-l',
    join(dir, 'postgres.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`,
    '-w',
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => run(pgCtl, ['-D', data, '-m', 'fast', 'stop']),
  };
}

/** A NATS server with JetStream that a test owns: it can stop and restart it (fault tests). */
export class NatsServer {
  #proc: ReturnType<typeof spawn> | undefined;
  constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async create(storeDir: string): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), storeDir);
    await server.start();
    return server;
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    let bin = which('nats-server', ['/usr/sbin', '/usr/local/sbin']);
    if (!bin) {
      aptInstall('nats-server');
      bin = which('nats-server', ['/usr/sbin', '/usr/local/sbin']);
    }
    if (!bin) throw new Error('no nats-server binary found, even after installing nats-server');
    mkdirSync(this.storeDir, { recursive: true });
    this.#proc = spawn(bin, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: 'ignore',
      detached: true,
    });
    this.#proc.unref();
    await waitFor('127.0.0.1', this.port, 'nats-server');
  }

  /**
   * Stops the server and waits for it to exit: the child is referenced again meanwhile (it runs
   * unreferenced), or a teardown with nothing else left to wait on would let the process end before the
   * exit came, its promise never settled. One that outlasts a graceful shutdown is killed.
   */
  async stop(): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.ref();
    p.kill('SIGTERM');
    const stubborn = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(stubborn);
    this.#proc = undefined;
  }

  get pid() {
    return this.#proc?.pid;
  }
}

export type Started = { pgDir?: string; natsPid?: number };

/** Where to look before starting throwaway servers; a test of the fresh-machine path points it elsewhere. */
export type Probe = { env: NodeJS.ProcessEnv; pgPort: number; natsPort: number; stateDir: string };
const defaultProbe = (): Probe => ({ env: process.env, pgPort: 5432, natsPort: 4222, stateDir: STATE_DIR });

export async function findOrStart(probe: Probe = defaultProbe()): Promise<Servers & { started: Started }> {
  const started: Started = {};
  let databaseUrl = probe.env.DATABASE_URL;
  if (!databaseUrl) {
    if ((await answers('127.0.0.1', probe.pgPort)) !== undefined)
      databaseUrl = `postgres://postgres@127.0.0.1:${probe.pgPort}/postgres`;
    else {
      const dir = join(probe.stateDir, 'pg');
      rmSync(dir, { recursive: true, force: true });
      databaseUrl = (await startPostgres(dir)).url;
      started.pgDir = dir;
    }
  }
  let natsUrl = probe.env.NATS_URL;
  if (!natsUrl) {
    const info = await answers('127.0.0.1', probe.natsPort);
    if (info?.includes('"jetstream":true')) natsUrl = `nats://127.0.0.1:${probe.natsPort}`;
    else {
      const nats = await NatsServer.create(join(probe.stateDir, 'nats'));
      natsUrl = nats.url;
      started.natsPid = nats.pid;
    }
  }
  return { databaseUrl, natsUrl, started };
}

/** Stops what findOrStart started, never a server that was already running. */
export function stopStarted(started: Started): void {
  if (started.natsPid) {
    try {
      process.kill(started.natsPid, 'SIGTERM');
    } catch {}
  }
  if (started.pgDir) {
    try {
      const pgCtl = join(which('initdb', pgBinDirs()) ?? '', '..', 'pg_ctl');
      const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', pgCtl] : [pgCtl];
      execFileSync(
        asUser[0]!,
        [...asUser.slice(1), '-D', join(started.pgDir, 'pgdata'), '-m', 'fast', 'stop'],
        {
          stdio: 'ignore',
        },
      );
    } catch {}
  }
}

/** Called once per test run (tap `before`): finds or starts the servers and records them. */
export async function setUpServers(): Promise<Servers> {
  mkdirSync(STATE_DIR, { recursive: true });
  const s = await findOrStart();
  writeFileSync(STATE_FILE, JSON.stringify(s));
  return s;
}

/** Called once at the end of a run (tap `after`): stops only what setUpServers started. */
export function tearDownServers(): void {
  if (!existsSync(STATE_FILE)) return;
  const s = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as Awaited<ReturnType<typeof findOrStart>>;
  stopStarted(s.started);
  rmSync(STATE_FILE, { force: true });
}

/** The servers of this run: recorded by setUpServers, or found now when a test file runs alone. */
export async function servers(): Promise<Servers> {
  if (process.env.DATABASE_URL && process.env.NATS_URL) {
    return { databaseUrl: process.env.DATABASE_URL, natsUrl: process.env.NATS_URL };
  }
  if (existsSync(STATE_FILE)) {
    const s = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as Servers;
    const pg = new URL(s.databaseUrl);
    const nats = new URL(s.natsUrl);
    if (
      (await answers(pg.hostname, Number(pg.port || 5432))) !== undefined &&
      (await answers(nats.hostname, Number(nats.port || 4222))) !== undefined
    )
      return s;
  }
  return setUpServers();
}
