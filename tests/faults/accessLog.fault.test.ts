// Issue 19: access-log rows share commits, yet a read is answered only once its row is committed. Reads
// run against an intake process killed (SIGKILL) in the middle of them; every answered read is then
// found in the log by its correlation id.
import { setTimeout as sleep } from 'node:timers/promises';
import { composeEgn } from '@casework/contracts';
import { mintToken } from '@casework/service-kit';
import { natsNames, natsUrl, startFleet, TEST_SIGNING_KEY, testDatabaseUrl } from '@casework/testkit';
import pg from 'pg';
import t from 'tap';
import { FAULT_FILE_TIMEOUT_MS } from './harness.js';

t.setTimeout(FAULT_FILE_TIMEOUT_MS);

const CLIENTS = 24;
const WORKERS = 16;

t.test('every answered read is in the access log after a SIGKILL mid-load', async (t) => {
  const databaseUrl = await testDatabaseUrl(t);
  const fleet = await startFleet(t, {
    databaseUrl,
    natsUrl: await natsUrl(),
    ...natsNames(),
    instances: { intake: 1 },
  });
  const intake = fleet.of('intake')[0]!;
  const token = await mintToken(TEST_SIGNING_KEY, {
    sub: 'fault-reader',
    roles: ['case_manager'],
    municipality: 'BLG01',
  });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const clientIds: string[] = [];
  const registered: number[] = [];
  for (let n = 0; n < CLIENTS; n++) {
    const r = await fetch(`${intake.url}/v1/clients`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        identifier: { kind: 'egn', value: composeEgn(`1950-03-${String(1 + n).padStart(2, '0')}`, 70) },
        givenName: 'Тест',
        familyName: 'Журналов',
        municipality: 'BLG01',
      }),
    });
    registered.push(r.status);
    clientIds.push(((await r.json()) as { clientId: string }).clientId);
  }

  t.same(
    registered.filter((s) => s !== 201),
    [],
    `${CLIENTS} clients registered`,
  );

  // readers until the process is gone: each read names itself by its correlation id
  const answered: string[] = [];
  const refused: number[] = [];
  let sent = 0;
  let running = true;
  const readers = Array.from({ length: WORKERS }, async () => {
    while (running) {
      const id = `read-${sent++}`;
      try {
        const r = await fetch(`${intake.url}/v1/clients/${clientIds[sent % CLIENTS]}`, {
          headers: { ...headers, 'x-correlation-id': id },
        });
        await r.arrayBuffer();
        if (r.status === 200) answered.push(id);
        else refused.push(r.status);
      } catch {
        // the connection died with the process: the read was not answered
        if (!intake.alive) return;
      }
    }
  });
  // killed once it is well into the load, with reads in flight
  for (const until = Date.now() + 60_000; answered.length < 400; await sleep(20))
    if (Date.now() > until) throw new Error(`only ${answered.length} reads answered in 60 s`);
  await fleet.kill(intake, 'SIGKILL');
  running = false;
  await Promise.all(readers);
  t.same(refused, [], 'no read was refused before the kill');

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  t.teardown(() => db.end());
  const { rows } = await db.query<{ correlation_id: string; tx: string }>(
    `SELECT correlation_id, xmin::text AS tx FROM intake.access_log WHERE correlation_id LIKE 'read-%'`,
  );
  const logged = new Set(rows.map((r) => r.correlation_id));
  const missing = answered.filter((id) => !logged.has(id));
  t.same(missing, [], `every answered read is logged (${logged.size} logged, ${answered.length} answered)`);
  t.equal(rows.length, logged.size, 'no read logged twice');
  // the transaction that wrote each row
  const commits = new Set(rows.map((r) => r.tx)).size;
  t.ok(commits < rows.length / 2, `the reads shared commits: ${rows.length} rows in ${commits} transactions`);
});
