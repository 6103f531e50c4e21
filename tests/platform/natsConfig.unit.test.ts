import { Config, natsSecurityOf } from '@casework/host/config';
import t from 'tap';

/** NATS credentials and TLS settings: read, checked together, never quoted back in an error. */
const URL = { NATS_URL: 'tls://nats-1:4222', DATABASE_URL: 'postgres://db/casework' };
const SEED = `SU${'A'.repeat(56)}`; // the shape of a user seed; not a key of anyone's
// loadConfig's reading and messages, without loading service-kit and the packages behind it
const load = (env: Record<string, string>) => {
  const r = Config.safeParse(env);
  if (r.success) return r.data;
  throw new Error(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
};
const error = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the configuration was accepted');
};

t.test('each way to authenticate becomes the transport security', async (t) => {
  t.same(natsSecurityOf(load(URL)), {}, 'nothing set: no credentials, TLS as the URL says');
  t.same(natsSecurityOf(load({ ...URL, NATS_USER: 'intake', NATS_PASSWORD: 'placeholder-pw' })), {
    user: 'intake',
    password: 'placeholder-pw',
  });
  t.same(natsSecurityOf(load({ ...URL, NATS_TOKEN: 'placeholder-token' })), { token: 'placeholder-token' });
  t.same(natsSecurityOf(load({ ...URL, NATS_NKEY_SEED: SEED })), { nkeySeed: SEED });
  t.same(natsSecurityOf(load({ ...URL, NATS_NKEY_SEED_FILE: '/run/secrets/intake.nk' })), {
    nkeySeedFile: '/run/secrets/intake.nk',
  });
  t.same(natsSecurityOf(load({ ...URL, NATS_CREDS_FILE: '/run/secrets/intake.creds' })), {
    credsFile: '/run/secrets/intake.creds',
  });
  t.same(
    natsSecurityOf(
      load({
        ...URL,
        NATS_CREDS_FILE: '/run/secrets/intake.creds',
        NATS_TLS_CA_FILE: '/etc/casework/nats-ca.pem',
        NATS_TLS_CERT_FILE: '/etc/casework/intake.pem',
        NATS_TLS_KEY_FILE: '/etc/casework/intake-key.pem',
      }),
    ),
    {
      credsFile: '/run/secrets/intake.creds',
      tls: {
        caFile: '/etc/casework/nats-ca.pem',
        certFile: '/etc/casework/intake.pem',
        keyFile: '/etc/casework/intake-key.pem',
      },
    },
  );
});

t.test('incompatible combinations stop start-up naming the variable, never its value', async (t) => {
  t.match(error({ ...URL, NATS_USER: 'intake' }), /NATS_PASSWORD: required with NATS_USER/);
  t.match(error({ ...URL, NATS_PASSWORD: 'placeholder-pw' }), /NATS_USER: required with NATS_PASSWORD/);
  const two = error({
    ...URL,
    NATS_USER: 'intake',
    NATS_PASSWORD: 'placeholder-pw',
    NATS_TOKEN: 'placeholder-token',
  });
  t.match(two, /NATS_TOKEN: set only one way to authenticate to NATS, not NATS_USER and NATS_TOKEN/);
  t.notMatch(two, /placeholder/, 'no secret in the message');
  t.match(
    error({ ...URL, NATS_NKEY_SEED: SEED, NATS_CREDS_FILE: '/x.creds' }),
    /NATS_CREDS_FILE: set only one way .* NATS_NKEY_SEED and NATS_CREDS_FILE/,
  );
  t.match(
    error({ ...URL, NATS_NKEY_SEED: SEED, NATS_NKEY_SEED_FILE: '/x.nk' }),
    /NATS_NKEY_SEED_FILE: set only one way/,
  );
  t.match(
    error({ ...URL, NATS_TLS_CERT_FILE: '/c.pem' }),
    /NATS_TLS_KEY_FILE: required with NATS_TLS_CERT_FILE/,
  );
  t.match(
    error({ ...URL, NATS_TLS_KEY_FILE: '/k.pem' }),
    /NATS_TLS_CERT_FILE: required with NATS_TLS_KEY_FILE/,
  );
  const bad = error({ ...URL, NATS_NKEY_SEED: 'SUnot-a-seed-placeholder' });
  t.match(bad, /NATS_NKEY_SEED: must be a NATS user nkey seed/);
  t.notMatch(bad, /placeholder/, 'the bad seed is not quoted');
  t.match(
    error({ NATS_USER: 'intake', NATS_PASSWORD: 'placeholder-pw' }),
    /NATS_USER: set without NATS_URL/,
    'credentials for the embedded mode are a mistake, not ignored',
  );
  t.match(error({ NATS_TLS_CA_FILE: '/ca.pem' }), /NATS_TLS_CA_FILE: set without NATS_URL/);
});
