import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore, migrate } from '@casework/eventstore';
import { testPostgres } from '@casework/testkit';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nkeys } from '@nats-io/transport-node';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { JetStreamTransport } from '../src/connection.js';
import { type NatsSecurity, natsConnectionOptions } from '../src/natsOptions.js';
import { appendNumbered, eventually } from './harness.js';
import { makeCertificates, startNatsServer, tempDir } from './natsServer.js';

/** Connects with the options the platform would build, closing the connection in teardown. */
async function connectAs(t: Test, url: string, security: NatsSecurity = {}): Promise<NatsConnection> {
  const nc = await connect({ ...natsConnectionOptions({ url, name: 'casework-test', ...security }) });
  t.teardown(() => nc.close());
  return nc;
}

/** Connecting fails (the connection, if any, is closed); resolves to the error. */
async function refused(url: string, security: NatsSecurity = {}): Promise<Error> {
  try {
    const nc = await connect({ ...natsConnectionOptions({ url, name: 'casework-test', ...security }) });
    await nc.close();
  } catch (e) {
    return e as Error;
  }
  throw new Error('the connection was accepted');
}

// nats-server parses a variable's value as configuration (`8s…` is a bad number): a letter, then hex,
// as the runbook says to generate them
const secret = () => `p${randomBytes(24).toString('hex')}`;

t.test('user and password: the right password is accepted, a wrong one refused', async (t) => {
  const password = secret();
  const server = await startNatsServer(t, {
    config: 'authorization { users: [ { user: intake, password: $PW } ] }',
    env: { PW: password },
  });
  const nc = await connectAs(t, server.url, { user: 'intake', password });
  t.equal((await nc.rtt()) >= 0, true, 'round trip');
  const err = await refused(server.url, { user: 'intake', password: `${password}x` });
  t.match(err.message, /authorization/i, err.message);
  t.notMatch(err.message, password, 'the error does not quote the password');
  t.match((await refused(server.url)).message, /authorization/i, 'no credentials: refused');
});

t.test('token: accepted, a wrong one refused', async (t) => {
  const token = secret();
  const server = await startNatsServer(t, {
    config: 'authorization { token: $TOKEN }',
    env: { TOKEN: token },
  });
  await connectAs(t, server.url, { token });
  t.match((await refused(server.url, { token: secret() })).message, /authorization/i);
});

t.test('nkey: the seed of a configured key is accepted, another seed refused', async (t) => {
  const user = nkeys.createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  const server = await startNatsServer(t, {
    config: `authorization { users: [ { nkey: ${user.getPublicKey()} } ] }`,
  });
  await connectAs(t, server.url, { nkeySeed: seed });
  const dir = tempDir(t);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'seed'), `${seed}\n`);
  await connectAs(t, server.url, { nkeySeedFile: join(dir, 'seed') });
  const other = new TextDecoder().decode(nkeys.createUser().getSeed());
  t.match((await refused(server.url, { nkeySeed: other })).message, /authorization/i);
});

t.test('TLS: works with the CA that signed the server, fails without it', async (t) => {
  const dir = tempDir(t);
  const certs = makeCertificates(dir);
  const server = await startNatsServer(t, {
    dir,
    config: `tls { cert_file: "${certs.serverCertFile}", key_file: "${certs.serverKeyFile}" }`,
  });
  const nc = await connectAs(t, server.url, { tls: { caFile: certs.caFile } });
  t.ok(nc.info?.tls_required, 'the server requires TLS');
  await connectAs(t, `tls://127.0.0.1:${server.port}`, { tls: { caFile: certs.caFile } });
  t.match(
    (await refused(server.url)).message,
    /certificate|self.signed|issuer/i,
    'without the CA the server is not trusted',
  );
  t.match((await refused(`tls://127.0.0.1:${server.port}`)).message, /certificate|self.signed|issuer/i);

  // a plain server: a tls:// URL or a CA file never falls back to plain text
  const plain = await startNatsServer(t, { config: '' });
  t.match((await refused(`tls://127.0.0.1:${plain.port}`)).message, /tls/i);
  t.match((await refused(plain.url, { tls: { caFile: certs.caFile } })).message, /tls/i);
});

t.test('TLS with client certificates: the server verifies the client', async (t) => {
  const dir = tempDir(t);
  const certs = makeCertificates(dir);
  const server = await startNatsServer(t, {
    dir,
    config: `tls {
      cert_file: "${certs.serverCertFile}"
      key_file: "${certs.serverKeyFile}"
      ca_file: "${certs.caFile}"
      verify: true
    }`,
  });
  await connectAs(t, server.url, {
    tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
  });
  await t.rejects(
    connect({
      ...natsConnectionOptions({ url: server.url, name: 'casework-test', tls: { caFile: certs.caFile } }),
      timeout: 2000, // the server drops the handshake; without this the client waits 20 s to give up
    }),
    'no client certificate: refused',
  );
});

const SERVICES = ['intake', 'eligibility', 'placement', 'billing'] as const;
const PERMISSIONS = join(import.meta.dirname, '..', '..', '..', 'infra', 'nats', 'permissions.conf');

t.test(
  "infra/nats/permissions.conf: each service publishes only its own events and reads the others'",
  async (t) => {
    const passwords = Object.fromEntries([...SERVICES, 'admin'].map((s) => [s, secret()]));
    const server = await startNatsServer(t, {
      // the very file the cluster includes, its $…_NATS_PASSWORD variables from the environment
      files: { 'permissions.conf': readFileSync(PERMISSIONS, 'utf8') },
      config: 'jetstream { store_dir: "{{dir}}/js" }\ninclude ./permissions.conf',
      env: Object.fromEntries(
        Object.entries(passwords).map(([s, p]) => [`${s.toUpperCase()}_NATS_PASSWORD`, p]),
      ),
    });
    const as = async (user: string) => {
      const nc = await connectAs(t, server.url, { user, password: passwords[user]! });
      return { nc, js: jetstream(nc, { timeout: 2000 }), jsm: await jetstreamManager(nc, { timeout: 2000 }) };
    };
    const admin = await as('admin');

    t.match(
      (await refused(server.url, { user: 'intake', password: passwords.placement! })).message,
      /authorization/i,
    );

    // the platform's own code path, as the services run it: intake's relay publishes its events into
    // CASEWORK_INTAKE, and placement's consumer reads them from there through a consumer of its own
    const violations: string[] = [];
    const transportAs = async (user: 'intake' | 'placement') => {
      const transport = await JetStreamTransport.connect({
        url: server.url,
        security: { user, password: passwords[user]! },
        prefix: 'casework',
        stream: 'CASEWORK',
        // small batches: the consumer's window (twice the batch) fills unless its acknowledgements arrive
        batchSize: 5,
        pollMs: 50,
        gatherMs: 0,
        leaseMs: 1000,
        publishTimeoutMs: 2000,
        maxDeliver: 2,
        backoffBaseMs: 20,
        // what the relay and the consumer would log of a failure (a refusal among them)
        logger: {
          info: () => {},
          warn: (o, msg) => violations.push(`${user}: ${msg} ${JSON.stringify(o)}`),
          error: (o, msg) => violations.push(`${user}: ${msg} ${JSON.stringify(o)}`),
        },
      });
      t.teardown(() => transport.close());
      // a refused publish (an acknowledgement, a pull request) fails silently but for this status
      void (async () => {
        for await (const s of transport.nc.status())
          if (s.type === 'error') violations.push(`${user}: ${s.error.message}`);
      })();
      return transport;
    };
    const database = await testPostgres(t);
    await migrate(database.db, 'intake');
    const intakeStore = new EventStore(database, 'intake');
    await migrate(database.db, 'placement');
    const placementStore = new EventStore(database, 'placement');
    await sql`CREATE TABLE placement.applied (seq bigserial, event_id uuid NOT NULL, n int NOT NULL)`.execute(
      database.db,
    );

    const intakeTransport = await transportAs('intake');
    const relay = intakeTransport.startRelay(intakeStore, 'intake', new Set(['Numbered']));
    await appendNumbered(intakeStore, 0, 20);
    t.ok(await eventually(async () => (await relay.lag()) === 0, 30_000), 'the relay published');
    const stream = await admin.jsm.streams.info('CASEWORK_INTAKE');
    t.equal(stream.state.last_seq, 20, 'intake created its stream and published into it');
    t.same(stream.config.subjects, ['casework.intake.>'], 'its own subjects only');

    const placementTransport = await transportAs('placement');
    const consumer = placementTransport.startConsumer(placementStore, {
      name: 'permissions',
      sources: { intake: ['Numbered'] },
      handle: async (event, tx) => {
        await sql`INSERT INTO placement.applied (event_id, n)
          VALUES (${event.eventId}::uuid, ${(event.data as { n: number }).n})`.execute(tx);
      },
    });
    await appendNumbered(intakeStore, 20, 30); // while it reads: the relay and the consumer both live
    const applied = async () => {
      const { rows } = await sql<{ n: number }>`SELECT n FROM placement.applied ORDER BY seq`.execute(
        database.db,
      );
      return rows.map((r) => r.n);
    };
    const ofPlacement = () => violations.filter((v) => v.startsWith('placement:'));
    t.ok(await eventually(async () => (await applied()).length >= 50, 30_000), 'placement applied them', {
      refused: ofPlacement().slice(0, 3),
    });
    t.same(
      await applied(),
      Array.from({ length: 50 }, (_, n) => n),
      'every event once, in the order intake appended them',
    );
    t.same(
      consumer.stats(),
      { processed: 50, duplicates: 0, retried: 0, deadLettered: 0 },
      'no retries, no dead letters',
    );
    t.equal(await consumer.lag(), 0, 'placement reads the lag from the stream info');
    const consumers = async () => {
      const names: string[] = [];
      for await (const c of await admin.jsm.consumers.list('CASEWORK_INTAKE')) names.push(c.name);
      return names;
    };
    t.match(await consumers(), [/^placement-permissions-intake_/], 'through a pull consumer of its own');
    await consumer.stop();
    t.ok(await eventually(async () => (await consumers()).length === 0, 15_000), 'deleted when it stops');
    await relay.stop();
    t.same(
      violations.filter((v) => v.startsWith('intake:')),
      [],
      'nothing the relay did was refused',
    );
    t.same(ofPlacement(), [], 'nothing the consumer did was refused');

    // every other service creates its own stream and publishes its own events into it
    const clients = Object.fromEntries(
      await Promise.all(SERVICES.map(async (s) => [s, await as(s)] as const)),
    );
    for (const s of SERVICES.filter((s) => s !== 'intake')) {
      const { js, jsm } = clients[s]!;
      const stream = `CASEWORK_${s.toUpperCase()}`;
      await jsm.streams.add({ name: stream, subjects: [`casework.${s}.>`] });
      await jsm.streams.update(stream, { subjects: [`casework.${s}.>`] });
      const ack = await js.publish(`casework.${s}.Happened`, 'x', { msgID: `${s}-1` });
      t.equal(ack.stream, stream, `${s} publishes into ${stream}`);
    }

    // and nobody else's: refused for want of permission, not timed out
    const intake = clients.intake!;
    const placement = clients.placement!;
    const denied = /permission/i;
    await t.rejects(
      intake.js.publish('casework.placement.Happened', 'x'),
      denied,
      'intake may not publish placement events',
    );
    await t.rejects(
      clients.billing!.js.publish('casework.intake.Happened', 'x'),
      denied,
      'billing may not publish intake events',
    );
    await t.rejects(
      placement.js.publish('casework.intake.Numbered', 'x'),
      denied,
      'placement, which reads intake events, may not publish one',
    );
    await t.rejects(
      intake.jsm.streams.add({ name: 'CASEWORK_OTHER', subjects: ['other.>'] }),
      denied,
      'intake may not create another stream',
    );
    await t.rejects(
      intake.jsm.streams.update('CASEWORK_PLACEMENT', { subjects: ['casework.>'] }),
      denied,
      'nor change one',
    );
    await t.rejects(
      placement.jsm.streams.update('CASEWORK_INTAKE', { subjects: ['casework.>'] }),
      denied,
      'nor may a reader change the stream it reads',
    );
    await t.rejects(intake.jsm.streams.delete('CASEWORK_PLACEMENT'), denied, 'nor delete one');
    await t.rejects(placement.jsm.streams.delete('CASEWORK_INTAKE'), denied, 'nor its reader');
    await t.rejects(intake.jsm.streams.purge('CASEWORK_INTAKE'), denied, 'nor purge its own');
    await t.rejects(placementTransport.deleteStreams(), denied, 'nor list the streams to delete them');
    t.equal((await admin.jsm.streams.info('CASEWORK_INTAKE')).state.last_seq, 50, 'intake is intact');
  },
);
