import { randomUUID } from 'node:crypto';
import { ConcurrencyError, connectPostgres, type EventStore } from '@casework/eventstore';
import { natsNames, natsUrl, testDatabaseUrl } from '@casework/testkit';
import pg from 'pg';
import t from 'tap';
import { JetStreamTransport } from '../src/index.js';
import { applied, eventually, recordApplied, stores } from './harness.js';

const EVENTS = 400;

/** Appends event n on its own new stream: a retry after an unknown outcome is refused, never doubled. */
async function appendOnce(producer: EventStore, n: number) {
  for (;;) {
    try {
      await producer.append([
        {
          streamId: `n-${n}`,
          streamType: 'n',
          expectedVersion: 0,
          events: [
            {
              type: 'Numbered',
              data: { n },
              metadata: {
                specversion: '1.0',
                id: randomUUID(),
                type: 'casework.producer.Numbered.v1',
                source: 'producer',
                subject: `n-${n}`,
                time: new Date().toISOString(),
                correlationid: randomUUID(),
              },
            },
          ],
        },
      ]);
      return;
    } catch (e) {
      if (e instanceof ConcurrencyError) return; // the lost call had committed
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

t.test('database connections lost again and again while events flow: each applied once', async (t) => {
  const url = await testDatabaseUrl(t);
  const database = connectPostgres(url);
  t.teardown(() => database.close());
  const { producer, targets } = await stores(database, ['c1', 'c2']);
  const transport = await JetStreamTransport.connect({
    url: await natsUrl(),
    ...natsNames(),
    backoffBaseMs: 50,
  });
  t.teardown(() => transport.close());
  const relay = transport.startRelay(producer, 'producer', new Set(['Numbered']));
  for (const c of ['c1', 'c2'])
    transport.startConsumer(targets[c]!, {
      name: 'count',
      sources: { producer: ['Numbered'] },
      handle: recordApplied(c),
    });

  // a second client cuts every other connection to this database every 100 ms while the appends run
  const killer = new pg.Client({ connectionString: url });
  await killer.connect();
  t.teardown(() => killer.end());
  let appending = true;
  let terminated = 0;
  const kills = (async () => {
    while (appending) {
      const { rows } = await killer.query<{ n: string }>(
        `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      terminated += Number(rows[0]!.n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  for (let n = 0; n < EVENTS; n++) await appendOnce(producer, n);
  appending = false;
  await kills;
  t.ok(terminated > 10, `connections were cut while working (${terminated} of them)`);

  for (const c of ['c1', 'c2'])
    t.ok(
      await eventually(async () => (await applied(targets[c]!)).total >= EVENTS, 60_000),
      `${c} caught up`,
    );
  await new Promise((r) => setTimeout(r, 500));
  for (const c of ['c1', 'c2'])
    t.same(await applied(targets[c]!), { total: EVENTS, distinct: EVENTS }, `${c}: each event once`);
  t.equal(await relay.lag(), 0, 'the relay checkpoint caught up');
});
