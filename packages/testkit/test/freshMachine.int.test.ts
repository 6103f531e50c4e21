// The fresh-machine path of DESIGN §9: nothing answers on the probed ports, so the testkit starts its own
// throwaway PostgreSQL and NATS (JetStream) from the binaries, and stops exactly those afterwards.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import t, { type Test } from 'tap';
import { answers, findOrStart, freePort, stopStarted } from '../src/servers.js';

function stateDirFor(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'casework-fresh-'));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user, who must reach its data directory
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('with no servers answering, throwaway PostgreSQL and NATS are started and then stopped', async (t) => {
  const stateDir = stateDirFor(t);
  const [pgPort, natsPort] = [await freePort(), await freePort()];
  const found = await findOrStart({ env: {}, pgPort, natsPort, stateDir });
  t.teardown(() => stopStarted(found.started));

  t.ok(found.started.pgDir, 'a PostgreSQL cluster was started');
  t.ok(found.started.natsPid, 'a nats-server was started');
  t.not(new URL(found.databaseUrl).port, String(pgPort), 'on its own port, not the probed one');

  const client = new pg.Client({ connectionString: found.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ v: string }>('select current_setting($1) as v', [
    'server_version_num',
  ]);
  await client.end();
  t.ok(Number(rows[0]?.v) >= 150000, 'a real PostgreSQL answers a query');

  const nc = await connect({ servers: found.natsUrl });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.getAccountInfo();
  await nc.close();
  t.type(info.limits, 'object', 'JetStream is enabled');

  stopStarted(found.started);
  const pgAddress = new URL(found.databaseUrl);
  const natsAddress = new URL(found.natsUrl);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(await answers('127.0.0.1', Number(pgAddress.port)), undefined, 'PostgreSQL stopped');
  t.equal(await answers('127.0.0.1', Number(natsAddress.port)), undefined, 'nats-server stopped');
});

t.test('servers already answering are used, never started again', async (t) => {
  const stateDir = stateDirFor(t);
  const first = await findOrStart({
    env: {},
    pgPort: await freePort(),
    natsPort: await freePort(),
    stateDir,
  });
  t.teardown(() => stopStarted(first.started));
  const pgPort = Number(new URL(first.databaseUrl).port);
  const natsPort = Number(new URL(first.natsUrl).port);
  const second = await findOrStart({ env: {}, pgPort, natsPort, stateDir });
  t.same(second.started, {}, 'nothing new started');
  t.equal(second.databaseUrl, first.databaseUrl);
  t.equal(second.natsUrl, first.natsUrl);
});
