import { join } from 'node:path';
import { NatsServer, natsNames, natsUrl, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { DeadLetters, JetStreamTransport } from '../src/index.js';
import { appendNumbered, applied, eventually, recordApplied, stores } from './harness.js';

const PUBLISHED = new Set(['Numbered', 'Poison']);

t.test('every event reaches every consumer once; internal events never leave', async (t) => {
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1', 'c2']);
  const transport = await JetStreamTransport.connect({ url: await natsUrl(), ...natsNames() });
  t.teardown(() => transport.close());
  transport.startRelay(producer, 'producer', PUBLISHED);
  for (const c of ['c1', 'c2'])
    transport.startConsumer(targets[c]!, {
      name: 'count',
      sources: { producer: ['Numbered', 'Internal'] },
      handle: recordApplied(c),
    });
  await appendNumbered(producer, 0, 200);
  await appendNumbered(producer, 200, 5, 'Internal');
  for (const c of ['c1', 'c2']) {
    t.ok(await eventually(async () => (await applied(targets[c]!)).total >= 200), `${c} caught up`);
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const c of ['c1', 'c2']) t.same(await applied(targets[c]!), { total: 200, distinct: 200 }, c);
});

t.test('relay killed between publish and checkpoint: every consumer applies each event once', async (t) => {
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1']);
  const transport = await JetStreamTransport.connect({ url: await natsUrl(), ...natsNames() });
  t.teardown(() => transport.close());
  // the checkpoint write fails after the publishes were acked, as if the relay died right there
  // a sequence, because nextval survives the rollback that the failure causes
  await sql`CREATE SEQUENCE producer.relay_deaths`.execute(database.db);
  await sql
    .raw(`CREATE FUNCTION producer.fail_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.subscription = 'relay:jetstream' AND nextval('producer.relay_deaths') <= 3 THEN
        RAISE EXCEPTION 'relay died before its checkpoint';
      END IF;
      RETURN NEW;
    END $$`)
    .execute(database.db);
  await sql`CREATE TRIGGER fail_checkpoint BEFORE INSERT OR UPDATE ON producer.checkpoints
    FOR EACH ROW EXECUTE FUNCTION producer.fail_checkpoint()`.execute(database.db);
  await appendNumbered(producer, 0, 100);

  const relay = transport.startRelay(producer, 'producer', PUBLISHED);
  t.ok(await eventually(async () => (await relay.lag()) === 0), 'the checkpoint finally advanced');
  t.ok(
    Number(
      (await sql<{ n: string }>`SELECT last_value AS n FROM producer.relay_deaths`.execute(database.db))
        .rows[0]?.n,
    ) > 3,
    'the relay died three times after publishing, then checkpointed',
  );

  transport.startConsumer(targets.c1!, {
    name: 'count',
    sources: { producer: ['Numbered'] },
    handle: recordApplied('c1'),
  });
  t.ok(await eventually(async () => (await applied(targets.c1!)).total >= 100));
  await new Promise((r) => setTimeout(r, 300));
  t.same(await applied(targets.c1!), { total: 100, distinct: 100 });
});

t.test('duplicates beyond the JetStream window are skipped by the inbox', async (t) => {
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1']);
  const names = natsNames();
  const transport = await JetStreamTransport.connect({ url: await natsUrl(), ...names });
  t.teardown(() => transport.close());
  await appendNumbered(producer, 0, 20);
  const relay = transport.startRelay(producer, 'producer', PUBLISHED);
  t.ok(await eventually(async () => (await relay.lag()) === 0));
  // re-publish the same events under new msgIDs: JetStream stores them again, as after the window
  for (const e of await producer.readAll()) {
    const { toHeaders } = await import('../src/index.js');
    await transport.js.publish(`${names.prefix}.producer.${e.type}`, JSON.stringify(e.data), {
      msgID: `again-${e.eventId}`,
      headers: toHeaders(e.metadata),
    });
  }
  const consumer = transport.startConsumer(targets.c1!, {
    name: 'count',
    sources: { producer: ['Numbered'] },
    handle: recordApplied('c1'),
  });
  t.ok(await eventually(async () => consumer.stats().duplicates >= 20), 'the second copies were seen');
  t.same(await applied(targets.c1!), { total: 20, distinct: 20 });
});

t.test('a poison message goes to dead letters; the rest flows; replay works once fixed', async (t) => {
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1']);
  const transport = await JetStreamTransport.connect({
    url: await natsUrl(),
    ...natsNames(),
    maxDeliver: 3,
    backoffBaseMs: 50,
  });
  t.teardown(() => transport.close());
  transport.startRelay(producer, 'producer', PUBLISHED);
  let fixed = false;
  const record = recordApplied('c1');
  const handle: Parameters<typeof transport.startConsumer>[1]['handle'] = async (event, tx) => {
    if ((event.data as { n: number }).n === 5 && !fixed) throw new Error('cannot handle n=5');
    await record(event, tx);
  };
  const consumer = transport.startConsumer(targets.c1!, {
    name: 'count',
    sources: { producer: ['Numbered'] },
    handle,
  });
  await appendNumbered(producer, 0, 20);
  t.ok(await eventually(async () => consumer.stats().deadLettered === 1), 'dead-lettered after 3 deliveries');
  t.ok(
    await eventually(async () => (await applied(targets.c1!)).total === 19),
    'the messages after it flowed',
  );
  const dead = new DeadLetters(targets.c1!);
  const [letter] = await dead.list();
  t.match(letter, { consumer: 'count', type: 'Numbered', deliveries: 3, error: 'Error: cannot handle n=5' });
  t.equal(await dead.replay(letter!.id, { count: handle }), 'failed', 'still broken: the letter stays');
  t.equal((await dead.list()).length, 1);
  fixed = true;
  t.equal(await dead.replay(letter!.id, { count: handle }), 'replayed');
  t.equal(
    await dead.replay(letter!.id, { count: handle }),
    'not_found',
    'a replayed letter is not replayed twice',
  );
  t.same(await applied(targets.c1!), { total: 20, distinct: 20 });
  t.same(await dead.list(), []);
});

t.test('NATS down while 1,000 events are appended: all arrive once after it returns', async (t) => {
  const server = await NatsServer.create(join(t.testdirName, 'nats'));
  const database = await testPostgres(t);
  const { producer, targets } = await stores(database, ['c1', 'c2']);
  const transport = await JetStreamTransport.connect({
    url: server.url,
    ...natsNames(),
    publishTimeoutMs: 1000,
  });
  t.teardown(async () => {
    await transport.close();
    await server.stop();
  });
  const relay = transport.startRelay(producer, 'producer', PUBLISHED);
  for (const c of ['c1', 'c2'])
    transport.startConsumer(targets[c]!, {
      name: 'count',
      sources: { producer: ['Numbered'] },
      handle: recordApplied(c),
    });
  await appendNumbered(producer, 0, 10);
  t.ok(await eventually(async () => (await applied(targets.c2!)).total === 10), 'flowing before the outage');

  await server.stop();
  t.ok(await eventually(async () => !transport.connected(), 15_000), 'the transport noticed the outage');
  const started = Date.now();
  await appendNumbered(producer, 10, 1000);
  t.pass('all 1,000 appends (the commands) succeeded while NATS was down');
  t.ok((await relay.lag()) >= 1000, 'the relay reports its lag');
  await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - started))));
  await server.start();

  for (const c of ['c1', 'c2'])
    t.ok(await eventually(async () => (await applied(targets[c]!)).total >= 1010, 60_000), `${c} caught up`);
  await new Promise((r) => setTimeout(r, 500));
  for (const c of ['c1', 'c2'])
    t.same(await applied(targets[c]!), { total: 1010, distinct: 1010 }, `${c}: once each`);
  t.equal(await relay.lag(), 0);
});

t.test('a stream deleted by hand is created again by its relay, which carries on', async (t) => {
  const database = await testPostgres(t);
  const { producer } = await stores(database, []);
  const transport = await JetStreamTransport.connect({ url: await natsUrl(), ...natsNames() });
  t.teardown(async () => {
    await transport.deleteStreams();
    await transport.close();
  });
  const relay = transport.startRelay(producer, 'producer', PUBLISHED);
  await appendNumbered(producer, 0, 5);
  t.ok(await eventually(async () => (await relay.lag()) === 0), 'the first five published');
  await transport.jsm.streams.delete(transport.streamOf('producer'));
  await appendNumbered(producer, 5, 5);
  t.ok(await eventually(async () => (await relay.lag()) === 0, 30_000), 'the next five published');
  const { state } = await transport.jsm.streams.info(transport.streamOf('producer'));
  t.equal(state.messages, 5, 'into a stream created again');
});
