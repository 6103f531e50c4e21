/**
 * A 3-node NATS cluster with JetStream that a fault test owns (DESIGN §4, §9): started from the
 * `nats-server` binary (installed as root when missing, as servers.ts does for single servers), on
 * loopback client and route ports picked free, with store directories in a temporary directory.
 * Nodes die by SIGKILL and come back on the same ports and stores.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Teardown } from './resources.js';
import { answers, freePort } from './servers.js';

export type NatsCluster = {
  /** One client URL per node. */
  urls: string[];
  /** Every node's URL, comma-separated, as clients (and NATS_URL) take them. */
  url: string;
  /** SIGKILLs node i (0-based); resolves once the process is gone. */
  kill: (i: number) => Promise<void>;
  /** Starts node i again on its ports and store, and waits until the cluster has a JetStream leader. */
  restart: (i: number) => Promise<void>;
  /** Whether node i's process runs. */
  running: (i: number) => boolean;
  /** Stops every node and removes the store directories. */
  stop: () => Promise<void>;
};

function natsServerBinary(): string {
  const find = () =>
    [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']
      .filter(Boolean)
      .map((d) => join(d, 'nats-server'))
      .find((p) => existsSync(p));
  let bin = find();
  if (!bin && process.getuid?.() === 0) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'nats-server'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    bin = find();
  }
  if (!bin) throw new Error('no nats-server binary found (install nats-server, or run the tests as root)');
  return bin;
}

/** Waits until JetStream answers with a meta leader: a replicated stream can be created and removed. */
export async function waitForJetStream(url: string, replicas: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    const nc = await connect({ servers: url, timeout: 1000, maxReconnectAttempts: 0 }).catch((e) => {
      last = (e as Error).message;
      return undefined;
    });
    if (nc) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        const name = `PROBE_${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
        await jsm.streams.add({
          name,
          subjects: [`probe.${name}`],
          storage: StorageType.Memory,
          num_replicas: replicas,
        });
        await jsm.streams.delete(name);
        return;
      } catch (e) {
        last = (e as Error).message;
      } finally {
        await nc.close().catch(() => {});
      }
    }
    await sleep(250);
  }
  throw new Error(`JetStream did not elect a leader within ${ms} ms: ${last}`);
}

/** Starts a 3-node cluster (JetStream on every node); stopped at the test's teardown. */
export async function startNatsCluster(t: Teardown, nodes = 3): Promise<NatsCluster> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'casework-nats-cluster-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < nodes; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const procs: (ReturnType<typeof spawn> | undefined)[] = new Array(nodes).fill(undefined);
  const configFile = (i: number) => {
    const file = join(dir, `n${i}.conf`);
    const store = join(dir, `store-${i}`);
    mkdirSync(store, { recursive: true });
    writeFileSync(
      file,
      `server_name: n${i}
listen: 127.0.0.1:${clientPorts[i]}
jetstream { store_dir: "${store}" }
cluster {
  name: casework_test
  listen: 127.0.0.1:${routePorts[i]}
  routes: [${routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}]
}
`,
    );
    return file;
  };
  const startNode = async (i: number) => {
    const p = spawn(bin, ['-c', configFile(i), '-l', join(dir, `n${i}.log`)], { stdio: 'ignore' });
    procs[i] = p;
    const until = Date.now() + 15_000;
    while ((await answers('127.0.0.1', clientPorts[i]!, 300)) === undefined) {
      if (p.exitCode !== null) throw new Error(`nats-server node ${i} exited with ${p.exitCode}`);
      if (Date.now() > until) throw new Error(`nats-server node ${i} did not listen`);
      await sleep(100);
    }
  };
  const kill = async (i: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const p = procs[i];
    procs[i] = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };
  const urls = clientPorts.map((p) => `nats://127.0.0.1:${p}`);
  const url = urls.join(',');
  const stop = async () => {
    for (let i = 0; i < nodes; i++) await kill(i, 'SIGTERM').catch(() => {});
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      console.error(`# could not remove ${dir}: ${(e as Error).message}`);
    }
  };
  t.teardown(stop);
  await Promise.all(clientPorts.map((_, i) => startNode(i)));
  await waitForJetStream(url, nodes);
  return {
    urls,
    url,
    kill: (i) => kill(i),
    restart: async (i) => {
      await kill(i);
      await startNode(i);
      await waitForJetStream(url, nodes);
    },
    running: (i) => {
      const p = procs[i];
      return Boolean(p && p.exitCode === null && p.signalCode === null);
    },
    stop,
  };
}

/**
 * Creates the platform's stream ahead of the services (as an operator would on a cluster), with the
 * settings the relay asks for: every `<prefix>.>` subject, file storage, a 10-minute duplicate window.
 * Four services asking a 3-node cluster for the same new replicated stream at once can time out.
 */
export async function createPlatformStream(
  url: string,
  o: { prefix: string; stream: string; replicas: number },
  services: readonly string[] = ['intake', 'eligibility', 'placement', 'billing'],
): Promise<void> {
  const nc = await connect({ servers: url.split(','), timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    // one stream per publishing service, as the platform creates them (ADR 0010)
    for (const service of services)
      await jsm.streams.add({
        name: `${o.stream}_${service.toUpperCase()}`,
        subjects: [`${o.prefix}.${service}.>`],
        storage: StorageType.File,
        num_replicas: o.replicas,
        duplicate_window: 10 * 60 * 1_000_000_000,
      });
  } finally {
    await nc.close();
  }
}
