import { join } from 'node:path';
import { composeEgn } from '@casework/contracts';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { allServices } from '@casework/platform/services';
import { mintToken } from '@casework/service-kit';
import { NatsServer, natsNames, testDatabaseUrl } from '@casework/testkit';
import t from 'tap';

const KEY = 'outage-signing-key-of-at-least-32-characters';

t.test(
  'during a NATS outage commands succeed, readiness reports the lag, and delivery resumes',
  async (t) => {
    const nats = await NatsServer.create(join(t.testdirName, 'nats'));
    const names = natsNames();
    const env = Config.parse({
      DATABASE_URL: await testDatabaseUrl(t),
      NATS_URL: nats.url,
      NATS_PREFIX: names.prefix,
      NATS_STREAM: names.stream,
      AUTH_SIGNING_KEY: KEY,
      IDENTIFIER_HASH_KEY: 'outage-identifier-key-of-at-least-32-chars',
      LOG_LEVEL: 'silent',
      DATABASE_POOL_MAX: '5',
    });
    const intake = await createPlatform(
      env,
      allServices.filter((s) => s.name === 'intake'),
    );
    const placement = await createPlatform(
      env,
      allServices.filter((s) => s.name === 'placement'),
    );
    t.teardown(async () => {
      await intake.close();
      await placement.close();
      await nats.stop();
    });
    const token = await mintToken(KEY, { sub: 'cm', roles: ['case_manager'], municipality: 'BLG01' });
    const register = (serial: number) =>
      intake.app.inject({
        method: 'POST',
        url: '/v1/clients',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          identifier: { kind: 'egn', value: composeEgn('1960-06-06', serial) },
          givenName: 'Иво',
          familyName: 'Прекъснатов',
          municipality: 'BLG01',
        },
      });
    const ready = async () => (await intake.app.inject({ url: '/health/ready' })).json();

    await nats.stop();
    for (let i = 0; i < 100 && (await ready()).checks.transport.status !== 'disconnected'; i++)
      await new Promise((r) => setTimeout(r, 50));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await register(100 + i * 2);
      t.equal(r.statusCode, 201, 'a command succeeds while NATS is down');
      ids.push(r.json().clientId);
    }
    const during = await ready();
    t.match(during, {
      status: 'degraded',
      checks: {
        database: 'up',
        transport: { status: 'disconnected' },
        relays: { intake: { status: 'lagging' } },
      },
    });
    t.ok(during.checks.relays.intake.lag >= 5, 'the waiting events are counted');

    await nats.start();
    const seen = async () => {
      let n = 0;
      for (const id of ids) {
        const r = await placement.app.inject({
          url: `/v1/placement/clients/${id}`,
          headers: { authorization: `Bearer ${token}` },
        });
        if (r.statusCode === 200) n++;
      }
      return n;
    };
    for (let i = 0; i < 600 && (await seen()) < ids.length; i++) await new Promise((r) => setTimeout(r, 50));
    t.equal(await seen(), ids.length, 'every client reached placement after NATS returned');
    for (let i = 0; i < 100 && (await ready()).status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 50));
    t.match(await ready(), { status: 'ready', checks: { relays: { intake: { status: 'ok', lag: 0 } } } });
  },
);
