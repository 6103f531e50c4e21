import { join } from 'node:path';
import { composeEgn } from '@casework/contracts';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { allServices } from '@casework/platform/services';
import { mintToken } from '@casework/service-kit';
import t from 'tap';

t.test(
  'embedded mode: one process, PGlite on disk, in-process transport, data kept across restarts',
  async (t) => {
    const env = Config.parse({ DATA_DIR: join(t.testdir(), 'data'), LOG_LEVEL: 'silent' });
    let platform = await createPlatform(env, allServices);
    t.equal(platform.mode, 'embedded');
    const token = await mintToken(platform.signingKey!, {
      sub: 'cm',
      roles: ['case_manager'],
      municipality: 'BLG01',
    });
    const headers = { authorization: `Bearer ${token}` };
    const created = await platform.app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers,
      payload: {
        identifier: { kind: 'egn', value: composeEgn('2001-09-09', 41) },
        givenName: 'Вградена',
        familyName: 'Тестова',
        municipality: 'BLG01',
      },
    });
    t.equal(created.statusCode, 201, created.body);
    const { clientId } = created.json();
    const inBilling = async () =>
      (await platform.app.inject({ url: `/v1/billing/clients/${clientId}`, headers })).statusCode === 200;
    for (let i = 0; i < 200 && !(await inBilling()); i++) await new Promise((r) => setTimeout(r, 25));
    t.ok(await inBilling(), 'billing learned of the client through the in-process transport');
    await platform.close();

    platform = await createPlatform(env, allServices);
    t.teardown(() => platform.close());
    const again = await platform.app.inject({ url: `/v1/clients/${clientId}`, headers });
    t.equal(again.statusCode, 200, 'the record survived the restart (and the local signing key too)');
    t.match(again.json(), { givenName: 'Вградена', birthDate: '2001-09-09' });
    t.ok(await inBilling(), "billing's read model survived too");
  },
);
