import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Authenticator, type ConnectionOptions, nkeys } from '@nats-io/transport-node';
import t from 'tap';
import { natsAuthMethods, natsConnectionOptions } from '../src/natsOptions.js';
import { tempDir } from './natsServer.js';

const base = { url: 'nats://n1:4222', name: 'casework-intake' };
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
/** The one authenticator natsConnectionOptions sets (ConnectionOptions allows a list). */
const authOf = (o: ConnectionOptions) => o.authenticator as Authenticator;
const userSeed = () => decode(nkeys.createUser().getSeed());

t.test('without security: servers, name and the reconnect settings, no credentials, no TLS', async (t) => {
  const o = natsConnectionOptions({ url: 'nats://n1:4222, nats://n2:4222', name: 'casework-intake' });
  t.same(o, {
    servers: ['nats://n1:4222', 'nats://n2:4222'],
    name: 'casework-intake',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    noAsyncTraces: true,
  });
});

t.test('user and password', async (t) => {
  const o = natsConnectionOptions({ ...base, user: 'intake', password: 'not-a-real-one' });
  t.same(authOf(o)(), { user: 'intake', pass: 'not-a-real-one' });
  t.throws(() => natsConnectionOptions({ ...base, user: 'intake' }), /user and password go together/);
  t.throws(() => natsConnectionOptions({ ...base, password: 'x' }), /user and password go together/);
});

t.test('token', async (t) => {
  t.same(authOf(natsConnectionOptions({ ...base, token: 'not-a-real-one' }))(), {
    auth_token: 'not-a-real-one',
  });
});

t.test('nkey seed: signs the nonce with the key; a bad seed is refused without quoting it', async (t) => {
  const kp = nkeys.createUser();
  const seed = decode(kp.getSeed());
  const auth = authOf(natsConnectionOptions({ ...base, nkeySeed: seed }))('nonce') as {
    nkey: string;
    sig: string;
  };
  t.equal(auth.nkey, kp.getPublicKey());
  t.ok(
    kp.verify(new TextEncoder().encode('nonce'), Buffer.from(auth.sig, 'base64url')),
    'signed by the seed',
  );

  const wrong = 'SUNOTASEEDATALLJUSTSOMETEXTTHATLOOKSVAGUELYLIKEONEBUTISNTX';
  const err = t.throws(() => natsConnectionOptions({ ...base, nkeySeed: wrong })) as Error;
  t.match(err.message, /not a NATS user nkey seed/);
  t.notMatch(err.message, wrong, 'the seed is not in the message');
  const account = decode(nkeys.createAccount().getSeed());
  t.throws(() => natsConnectionOptions({ ...base, nkeySeed: account }), /user nkey seed/, 'an account seed');
});

t.test('nkey seed file: read now and on every reconnect', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'intake.nk');
  const first = nkeys.createUser();
  writeFileSync(file, `${decode(first.getSeed())}\n`);
  const o = natsConnectionOptions({ ...base, nkeySeedFile: file });
  t.equal((authOf(o)('n') as { nkey: string }).nkey, first.getPublicKey());
  const second = nkeys.createUser();
  writeFileSync(file, decode(second.getSeed()));
  t.equal((authOf(o)('n') as { nkey: string }).nkey, second.getPublicKey(), 'a rotated seed is used');

  t.throws(
    () => natsConnectionOptions({ ...base, nkeySeedFile: join(dir, 'none') }),
    /cannot read the NATS nkey seed file .*none: ENOENT/,
  );
  writeFileSync(join(dir, 'bad'), 'garbage');
  t.throws(
    () => natsConnectionOptions({ ...base, nkeySeedFile: join(dir, 'bad') }),
    /nkey seed file .*bad is not a NATS user nkey seed/,
  );
});

t.test('credentials file: the JWT and a signature by its seed', async (t) => {
  const dir = tempDir(t);
  const kp = nkeys.createUser();
  const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln'; // shape only: the server checks it
  const file = join(dir, 'intake.creds');
  writeFileSync(
    file,
    `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${decode(kp.getSeed())}\n------END USER NKEY SEED------\n`,
  );
  const auth = authOf(natsConnectionOptions({ ...base, credsFile: file }))('nonce') as {
    jwt: string;
    nkey: string;
    sig: string;
  };
  t.equal(auth.jwt, jwt);
  t.ok(kp.verify(new TextEncoder().encode('nonce'), Buffer.from(auth.sig, 'base64url')));

  t.throws(
    () => natsConnectionOptions({ ...base, credsFile: join(dir, 'none.creds') }),
    /cannot read the NATS credentials file/,
  );
  writeFileSync(join(dir, 'bad.creds'), 'not a creds file');
  t.throws(
    () => natsConnectionOptions({ ...base, credsFile: join(dir, 'bad.creds') }),
    /is not a \.creds file/,
  );
});

t.test('one way to authenticate at most', async (t) => {
  const err = t.throws(() =>
    natsConnectionOptions({ ...base, user: 'u', password: 'p', token: 'secret-token', nkeySeed: userSeed() }),
  ) as Error;
  t.match(err.message, /set one of user, token, nkeySeed, not several/);
  t.notMatch(err.message, /secret-token/);
  t.same(natsAuthMethods({ credsFile: 'x', nkeySeedFile: 'y' }), ['nkeySeedFile', 'credsFile']);
  t.same(natsAuthMethods({}), []);
});

t.test('TLS: files are checked now; a tls:// URL or any TLS file requires TLS', async (t) => {
  const dir = tempDir(t);
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), 'PEM');
  const files = {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
  };
  t.same(natsConnectionOptions({ ...base, tls: files }).tls, files);
  t.same(natsConnectionOptions({ ...base, tls: { caFile: files.caFile } }).tls, { caFile: files.caFile });
  t.same(natsConnectionOptions({ ...base, url: 'tls://n1:4222' }).tls, {}, 'TLS with the system CAs');
  t.equal(
    natsConnectionOptions({ ...base, tls: {} }).tls,
    undefined,
    'nothing asked: TLS if the server offers it',
  );
  t.throws(
    () => natsConnectionOptions({ ...base, tls: { certFile: files.certFile } }),
    /certificate and its key go together/,
  );
  t.throws(
    () => natsConnectionOptions({ ...base, tls: { keyFile: files.keyFile } }),
    /certificate and its key go together/,
  );
  t.throws(
    () => natsConnectionOptions({ ...base, tls: { caFile: join(dir, 'none.pem') } }),
    /cannot read the NATS TLS caFile .*none\.pem/,
  );
});
