/**
 * The fault suite's harness: the platform as processes (testkit's startFleet) on a database and NATS
 * prefix of the test file's own, random SIGKILLs with restarts, waiting for every relay and consumer to
 * catch up, and rebuilding read models to compare them with what the consumers and projections built.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createPlatformStream,
  type Fleet,
  natsNames,
  natsUrl,
  type ServiceName,
  startFleet,
  testDatabaseUrl,
} from '@casework/testkit';
import type { Test } from 'tap';
import { checkConsistency, differingTables, type Report, snapshotReadModels, summaryLine } from './checks.js';
import { startLoad } from './load.js';

export const SERVICES: ServiceName[] = ['intake', 'eligibility', 'placement', 'billing'];
/** The services with projections (billing has none: its rebuild answers "no projection"). */
export const REBUILT: ServiceName[] = ['intake', 'eligibility', 'placement'];

/**
 * Each fault file's own timeout (t.setTimeout in a file's root tells tap's runner, overriding its 240 s).
 * A scenario beside another test file (tap runs two at once) on two cores takes ~3× its time alone:
 * instances ran 86 s alone and 233 s in a CI run.
 */
export const FAULT_FILE_TIMEOUT_MS = 600_000;

export async function fleetOf(
  t: Test,
  perService: number,
  nats: { url?: string; replicas?: number } = {},
): Promise<{ fleet: Fleet; databaseUrl: string }> {
  const databaseUrl = await testDatabaseUrl(t);
  const names = natsNames();
  const url = nats.url ?? (await natsUrl());
  const replicas = nats.replicas ?? 1;
  if (replicas > 1) await createPlatformStream(url, { ...names, replicas });
  const fleet = await startFleet(t, {
    databaseUrl,
    natsUrl: url,
    ...names,
    replicas,
    instances: Object.fromEntries(SERVICES.map((s) => [s, perService])),
  });
  return { fleet, databaseUrl };
}

/**
 * Every `everyMs` SIGKILLs a random instance whose service keeps another one alive, and starts it
 * again right away (without waiting for it: several may be down or starting at once). Returns the kills.
 */
export function chaos(
  fleet: Fleet,
  everyMs: number,
  log: string[],
): { stop: () => Promise<number>; kills: () => number } {
  let running = true;
  let kills = 0;
  const loop = (async () => {
    while (running) {
      await sleep(everyMs);
      if (!running) break;
      const candidates = fleet.instances.filter(
        (i) => i.alive && fleet.of(i.service).some((o) => o !== i && o.alive),
      );
      const victim = candidates[Math.floor(Math.random() * candidates.length)];
      if (!victim) continue;
      kills++;
      log.push(`${new Date().toISOString()} SIGKILL ${victim.id}`);
      await fleet.kill(victim, 'SIGKILL');
      fleet.restart(victim).catch((e) => {
        log.push(`restart of ${victim.id} failed: ${(e as Error).message.split('\n')[0]}`);
      });
    }
  })();
  return {
    kills: () => kills,
    stop: async () => {
      // the instances still starting come up on their own; the checks wait for the consumers, not for them
      running = false;
      await loop;
      return kills;
    },
  };
}

type Readiness = {
  checks: {
    relays: Record<string, { lag: number }>;
    consumers: Record<string, { lag: number; deadLettered: number; retried: number }>;
  };
};

/**
 * Waits until, on a live instance of every service, every relay and every consumer reports no lag
 * twice in a row a second apart (messages a killed instance held come back after JetStream's ack wait,
 * 30 s). Returns whether it got there, and the last lags seen.
 */
export async function caughtUp(fleet: Fleet, ms = 180_000): Promise<{ ok: boolean; lags: string }> {
  const until = Date.now() + ms;
  let quiet = 0;
  let lags = '';
  while (Date.now() < until) {
    const seen: string[] = [];
    let zero = true;
    for (const service of SERVICES) {
      const url = fleet.urls(service)[0];
      const r = url
        ? await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) })
            .then((x) => x.json() as Promise<Readiness>)
            .catch(() => undefined)
        : undefined;
      if (!r?.checks) {
        zero = false;
        seen.push(`${service}: no answer`);
        continue;
      }
      for (const [name, v] of Object.entries(r.checks.relays)) {
        seen.push(`relay ${name} ${v.lag}`);
        if (v.lag !== 0) zero = false;
      }
      for (const [name, v] of Object.entries(r.checks.consumers)) {
        seen.push(`consumer ${name} ${v.lag}`);
        if (v.lag !== 0) zero = false;
      }
    }
    lags = seen.join(', ');
    quiet = zero ? quiet + 1 : 0;
    if (quiet >= 2) return { ok: true, lags };
    await sleep(1000);
  }
  return { ok: false, lags };
}

/** Runs `projections:rebuild --service <name>` for each service with projections; the exit codes. */
export async function rebuildAll(
  fleet: Fleet,
): Promise<Record<string, { code: number | null; out: string }>> {
  const out: Record<string, { code: number | null; out: string }> = {};
  for (const s of REBUILT) {
    const r = await fleet.run(['projections:rebuild', '--service', s]);
    const lines = `${r.stdout}${r.stderr}`.trim().split('\n');
    // the error's own line (a stack's first), then how the output ended
    const error = lines.find((l) => /error/i.test(l));
    out[s] = { code: r.code, out: [...(error ? [error.trim()] : []), ...lines.slice(-4)].join(' | ') };
  }
  return out;
}

/** Snapshots the read models, rebuilds every projection from zero, snapshots again: the tables that differ. */
export async function rebuildDiffers(
  fleet: Fleet,
  databaseUrl: string,
): Promise<{ differing: string[]; codes: Record<string, number | null>; out: string }> {
  const before = await snapshotReadModels(databaseUrl, SERVICES);
  const runs = await rebuildAll(fleet);
  const after = await snapshotReadModels(databaseUrl, SERVICES);
  return {
    differing: differingTables(before, after),
    codes: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.code])),
    out: Object.entries(runs)
      .map(([k, v]) => `${k}: ${v.out}`)
      .join('\n'),
  };
}

export type ScenarioOptions = {
  name: string;
  /** Instances of each service. */
  perService: number;
  loadMs: number;
  workers?: number;
  /** SIGKILL a random instance this often (and restart it). */
  killEveryMs?: number;
  /** Run `projections:rebuild` for every service this long after the load starts. */
  rebuildAfterMs?: number;
  /** Another fault, run while the load runs (e.g. NATS nodes killed and brought back). */
  during?: (log: string[]) => Promise<void>;
  nats?: { url?: string; replicas?: number };
};

/**
 * One scenario from start to verdict: the fleet, the load with its faults, the catch-up, every check,
 * a rebuild from zero compared with the tables as they were, and the scenario's one summary line.
 */
export async function runScenario(t: Test, o: ScenarioOptions): Promise<{ fleet: Fleet; report: Report }> {
  const started = Date.now();
  const { fleet, databaseUrl } = await fleetOf(t, o.perService, o.nats);
  const log: string[] = [`fleet of ${fleet.instances.length} ready after ${Date.now() - started} ms`];
  const load = startLoad(() => fleet.urls('intake'), { workers: o.workers ?? 4 });
  const killer = o.killEveryMs ? chaos(fleet, o.killEveryMs, log) : undefined;
  const loadStarted = Date.now();
  const rebuiltDuring = o.rebuildAfterMs
    ? sleep(o.rebuildAfterMs).then(() => rebuildAll(fleet))
    : Promise.resolve(undefined);
  const fault = o.during ? o.during(log) : Promise.resolve();
  await sleep(o.loadMs);
  const kills = (await killer?.stop()) ?? 0;
  const stats = await load.stop();
  await fault;
  const during = await rebuiltDuring;
  log.push(`load ran ${Date.now() - loadStarted} ms, ${kills} kills; load ${JSON.stringify(stats)}`);
  const caught = await caughtUp(fleet);
  log.push(`caught up: ${caught.ok} (${caught.lags}) after ${Date.now() - loadStarted} ms`);
  const report = await checkConsistency(databaseUrl);
  const rebuilt = await rebuildDiffers(fleet, databaseUrl);
  log.push(`finished after ${Date.now() - started} ms`);

  console.log(summaryLine(o.name, report));
  t.comment(log.join('\n'));
  t.comment(`per consumer: ${JSON.stringify(report.perConsumer)}`);
  t.comment(`rows that differ from the source log: ${JSON.stringify(report.mismatchCounts)}`);
  t.comment(report.detail.join('\n'));
  t.ok(stats.registrations > 0 && stats.applications > 0, 'the load registered clients and applied');
  t.ok(caught.ok, `every relay and consumer caught up (${caught.lags})`);
  t.equal(report.applied, report.sent, 'every source event reached every consumer that wants it');
  t.equal(report.duplicates, 0, 'no effect happened twice');
  t.equal(report.orderViolations, 0, 'no event applied before an earlier one of its stream');
  t.equal(report.deadLetters, 0, 'no dead letters');
  for (const [model, n] of Object.entries(report.mismatchCounts)) {
    const examples = report.mismatches.filter((m) => m.model === model).slice(0, 3);
    t.equal(n, 0, `${model} equals the fold of its source log`, { examples });
  }
  if (during) {
    for (const [service, r] of Object.entries(during))
      t.equal(r.code, 0, `projections:rebuild --service ${service} during the load exits 0`, { out: r.out });
  }
  t.same(
    rebuilt.codes,
    Object.fromEntries(REBUILT.map((s) => [s, 0])),
    'the rebuild after the load exits 0',
    {
      out: rebuilt.out,
    },
  );
  t.same(rebuilt.differing, [], 'every read model equals its rebuild from zero');
  // gone before the database is dropped at teardown (a pool reconnecting would race the DROP)
  await Promise.all(fleet.instances.map((i) => fleet.kill(i, 'SIGKILL')));
  return { fleet, report };
}
