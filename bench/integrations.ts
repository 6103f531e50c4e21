// The integrators suite (issue 20): the event feed paged over HTTP, beside the event store's own reads of
// the same pages; and webhook fan-out to a local receiver with 50 endpoints, beside the receiver's own
// capacity for the same requests sent straight from a connection pool. Distributed mode.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { START } from '@casework/eventstore';
import { mintToken } from '@casework/service-kit';
import { sql } from 'kysely';
import { Agent, request } from 'undici';
import { benchSite, syntheticUuidSql } from './load.js';
import { benchPlatform } from './platform.js';
import { cpuDuring, percentile, report, timed } from './stats.js';

const FEED_EVENTS = Number(process.env.BENCH_FEED_EVENTS ?? 200_000);
const ENDPOINTS = Number(process.env.BENCH_WEBHOOK_ENDPOINTS ?? 50);
/** Events a second while webhooks are measured (capacity changes of a site), each for every endpoint. */
const RATE = Number(process.env.BENCH_WEBHOOK_EVENTS_PER_SECOND ?? 24);
const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 15);

console.log('\nIntegrators (distributed mode)\n');

// --- the event feed ---
{
  const { platform, env, address, ctx, close } = await benchPlatform('placement');
  const hosted = platform.app.hosted[0]!;
  // the feed is measured on a log at rest: no relay to NATS, no read models, no webhook fan-out
  await hosted.relay?.stop();
  await hosted.projections?.stop();
  await hosted.webhooks?.fanout.stop();
  const db = ctx.store.db;
  const [seedMs] = await timed(async () => {
    for (let lo = 0; lo < FEED_EVENTS; lo += 50_000) {
      const hi = Math.min(FEED_EVENTS, lo + 50_000) - 1;
      const site = syntheticUuidSql('s', 'n');
      // sites resized across the country: one in 28 in Blagoevgrad's oblast (BLG01), the rest elsewhere
      await sql`INSERT INTO placement.events (stream_id, stream_position, event_id, type, data, metadata)
        SELECT 'site-' || ${sql.raw(site)}, 2, ${sql.raw(syntheticUuidSql('e', 'n'))}, 'CapacityChanged',
          jsonb_build_object('siteId', ${sql.raw(site)}, 'serviceType', 'protected_housing',
            'municipality', m.code, 'from', '2027-01-01', 'places', 6, 'previous', 4),
          jsonb_build_object('specversion', '1.0', 'id', ${sql.raw(syntheticUuidSql('e', 'n'))},
            'type', 'casework.placement.CapacityChanged.v1', 'source', 'placement',
            'subject', 'site-' || ${sql.raw(site)}, 'time', '2026-11-02T08:00:00.000Z',
            'correlationid', 'bench', 'municipality', m.code)
        FROM generate_series(${lo}::int, ${hi}::int) n,
          LATERAL (SELECT CASE WHEN n % 28 = 0 THEN 'BLG01' ELSE 'MON29' END AS code) m`.execute(db);
    }
  });
  console.log(`  ${FEED_EVENTS} events in the log in ${(seedMs / 1000).toFixed(1)} s`);
  const forIntegrators = hosted.module.events
    .filter((e) => e.published && e.forIntegrators)
    .map((e) => e.name);

  /** Every event from the first, a page of 1,000 at a time, over HTTP as an integrator does. */
  const page = async (token: string) => {
    let after = '';
    let events = 0;
    for (;;) {
      const r = await fetch(`${address}/v1/events/placement?limit=1000${after}`, {
        headers: { authorization: token },
      });
      if (r.status !== 200) throw new Error(`feed: ${r.status} ${await r.text()}`);
      const body = (await r.json()) as { items: unknown[]; caughtUp: boolean; next: string };
      events += body.items.length;
      if (body.caughtUp) return events;
      after = `&after=${encodeURIComponent(body.next)}`;
    }
  };
  /** The same pages read by the event store in the process: the database's part of the work. */
  const raw = async () => {
    let at = START;
    let events = 0;
    for (;;) {
      const p = await ctx.store.readLog(at, { types: forIntegrators, limit: 1000 });
      events += p.events.length;
      if (p.events.length < 1000) return events;
      at = p.through;
    }
  };
  const national = `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench-erp', roles: ['integrator'] })}`;
  const oblast = `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench-dashboard', roles: ['integrator'], oblast: 'BG-01' })}`;
  await page(national); // warm
  const [rawMs, rawEvents] = await timed(raw);
  const [cpu, [feedMs, fed]] = await cpuDuring(() => timed(() => page(national)));
  if (fed !== FEED_EVENTS || rawEvents !== FEED_EVENTS)
    throw new Error(`feed: ${fed} and ${rawEvents} of ${FEED_EVENTS}`);
  const baseline = (rawEvents / rawMs) * 1000;
  report(
    'event feed, national integrator (events/s)',
    (fed / feedMs) * 1000,
    'events/s',
    baseline,
    '>= 20,000/s paged',
  );
  console.log(
    `  ${fed} events in ${(feedMs / 1000).toFixed(1)} s; CPU ${cpu.processS.toFixed(1)} s node, ${cpu.machineS?.toFixed(1) ?? '?'} s machine`,
  );
  const [scopedMs, scoped] = await timed(() => page(oblast));
  report(
    "event feed, an oblast's integrator (log events/s)",
    (FEED_EVENTS / scopedMs) * 1000,
    'events/s',
    baseline,
    `(${scoped} of its own among ${FEED_EVENTS})`,
  );
  await close();
}

// --- webhook fan-out ---
{
  const received: { at: number; time: number }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['webhook-id'])
        received.push({
          at: Date.now(),
          time: Date.parse(JSON.parse(Buffer.concat(chunks).toString()).time),
        });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  // baseline: the receiver's capacity for the same requests, sent straight from a pool as the dispatcher's
  const pool = new Agent({ connections: 64 });
  const body = JSON.stringify({
    specversion: '1.0',
    id: 'x',
    type: 't',
    source: 'intake',
    subject: 's',
    time: new Date().toISOString(),
    data: {},
  });
  const sent = 20_000;
  const [poolMs] = await timed(async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next++ < sent) {
          const r = await request(hook, {
            method: 'POST',
            body,
            dispatcher: pool,
            headers: { 'content-type': 'application/json' },
          });
          await r.body.dump();
        }
      }),
    );
  });
  await pool.close();
  const baseline = (sent / poolMs) * 1000;

  const { env, address, close } = await benchPlatform('placement');
  // fifty endpoints of ten integrators (an integrator keeps at most twenty with a service)
  const integrators = await Promise.all(
    Array.from(
      { length: 10 },
      async (_, i) =>
        `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: `bench-erp-${i}`, roles: ['integrator'] })}`,
    ),
  );
  const supervisor = `Bearer ${await mintToken(env.AUTH_SIGNING_KEY!, { sub: 'bench-sup', roles: ['supervisor'], municipality: 'BLG01' })}`;
  // ten sites of Bansko whose capacity changes: events of ten records, each record's in order
  const sites: string[] = [];
  for (let i = 0; i < 10; i++) {
    const opened = await fetch(`${address}/v1/sites`, {
      method: 'POST',
      headers: { authorization: supervisor, 'content-type': 'application/json' },
      body: JSON.stringify(benchSite(40)),
    });
    if (opened.status !== 201) throw new Error(`site: ${opened.status} ${await opened.text()}`);
    sites.push(((await opened.json()) as { siteId: string }).siteId);
  }
  for (let i = 0; i < ENDPOINTS; i++) {
    const r = await fetch(`${address}/v1/webhooks/placement`, {
      method: 'POST',
      headers: { authorization: integrators[i % 10]!, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${hook}?endpoint=${i}`, types: ['CapacityChanged'] }),
    });
    if (r.status !== 201) throw new Error(`endpoint: ${r.status} ${await r.text()}`);
  }
  const total = RATE * SECONDS;
  /** One event a call: a site's capacity from a later date each time. */
  const resize = async (n: number) => {
    const from = new Date(Date.UTC(2027, 0, 1 + Math.floor(n / 10))).toISOString().slice(0, 10);
    const r = await fetch(`${address}/v1/sites/${sites[n % 10]}/capacity`, {
      method: 'POST',
      headers: { authorization: supervisor, 'content-type': 'application/json' },
      body: JSON.stringify({ from, places: 40 + (n % 10) }),
    });
    if (r.status !== 200) throw new Error(`capacity: ${r.status} ${await r.text()}`);
  };
  received.length = 0;
  const started = Date.now();
  const [cpu] = await cpuDuring(async () => {
    const sending: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / RATE;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      sending.push(resize(n));
    }
    await Promise.all(sending);
    const until = Date.now() + 60_000;
    while (received.length < total * ENDPOINTS && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
  });
  if (received.length !== total * ENDPOINTS)
    throw new Error(`webhooks: ${received.length} deliveries of ${total * ENDPOINTS}`);
  const last = Math.max(...received.map((r) => r.at));
  const lags = received.map((r) => r.at - r.time);
  report(
    `webhooks, ${ENDPOINTS} endpoints (deliveries/s)`,
    (received.length / (last - started)) * 1000,
    'deliv./s',
    baseline,
    '>= 1,000/s; baseline: the receiver fed by a pool',
  );
  console.log(
    `  ${received.length} deliveries of ${total} events in ${((last - started) / 1000).toFixed(1)} s; from the event to its delivery p50 ${percentile(lags, 50)} ms, p95 ${percentile(lags, 95)} ms, p99 ${percentile(lags, 99)} ms (target p95 <= 200 ms); CPU ${cpu.processS.toFixed(1)} s node, ${cpu.machineS?.toFixed(1) ?? '?'} s machine`,
  );
  await close();
  receiver.closeAllConnections();
  receiver.close();
}
