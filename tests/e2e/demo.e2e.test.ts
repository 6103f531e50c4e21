import { join } from 'node:path';
import { addDays, sofiaDate } from '@casework/contracts';
import { createPlatform } from '@casework/host';
import { Config } from '@casework/host/config';
import { isEmpty, seedDemo } from '@casework/platform/demo';
import { allServices } from '@casework/platform/services';
import { mintToken, type Principal } from '@casework/service-kit';
import { eventually } from '@casework/testkit';
import t from 'tap';

t.test('the demo seeds Bansko through the API, on the embedded default', async (t) => {
  const env = Config.parse({ DATA_DIR: join(t.testdir(), 'data'), LOG_LEVEL: 'silent' });
  const platform = await createPlatform(env, allServices);
  t.teardown(() => platform.close());
  const token = (p: Principal) => mintToken(platform.signingKey!, p);
  const cm = await token({ sub: 'cm', roles: ['case_manager'], municipality: 'BLG01' });
  const get = async (url: string) =>
    (await platform.app.inject({ url, headers: { authorization: `Bearer ${cm}` } })).json();
  t.ok(await isEmpty(platform.app, cm), 'an empty store');

  const summary = await seedDemo(platform.app, {
    token,
    municipalities: ['BLG01'],
    fill: 0.25,
    waitingPerSite: 1,
  });
  // Bansko's ten sites: four protected housings of 8, „Здравец" 20, adults 25, rehabilitation 30, Mesta 12, two flats of 2
  const residents = 4 * 2 + 5 + 6 + 7 + 3;
  t.match(summary, { sites: 10, clients: residents + 8, admitted: residents, transferred: 2 });
  t.ok(summary.offers >= 1, 'vacancies offered to the next in line');
  t.notOk(await isEmpty(platform.app, cm), 'never offered again');

  const today = sofiaDate(new Date());
  const active = (await get(`/v1/placements?activeOn=${today}&limit=100`)).items as {
    serviceType: string;
    basis: string;
    clientId: string;
  }[];
  t.equal(
    active.length,
    residents - summary.discharged,
    'everyone admitted and not discharged is in service',
  );
  t.same(
    active.filter((p) => p.serviceType === 'social_housing_special_status').map((p) => p.basis),
    ['transfer', 'transfer'],
    'two moved on from protected housing to the special-status flats',
  );
  const list = (await get('/v1/waiting-lists?serviceType=protected_housing')).items as { offer?: object }[];
  t.ok(list.length >= 4, 'people waiting for protected housing');
  t.ok(
    list.some((i) => i.offer),
    'an open offer',
  );
  const client = await get(`/v1/clients/${active[0]!.clientId}`);
  t.match(client, { identifier: { kind: 'egn' } }, 'registered with a generated ЕГН');

  // billing: the last four months stated (everyone in service in the last of them at least), all paid but
  // one resident's
  t.ok(summary.statements >= residents, `${summary.statements} statements of the last four months`);
  t.ok(summary.payments > 0, `${summary.payments} payments`);
  const officer = await token({ sub: 'billing', roles: ['billing_officer'], municipality: 'BLG01' });
  const owing = async () => {
    const owed = new Map<string, { month: string; dueOn: string }[]>();
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = (
        await platform.app.inject({
          url: `/v1/billing/statements?municipality=BLG01&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
          headers: { authorization: `Bearer ${officer}` },
        })
      ).json() as {
        items: { clientId: string; month: string; dueOn: string; outstanding: { amountMinor: number } }[];
        next?: string;
      };
      for (const s of page.items)
        if (s.outstanding.amountMinor > 0) owed.set(s.clientId, [...(owed.get(s.clientId) ?? []), s]);
      cursor = page.next;
    }
    return owed.size === 1 ? owed : undefined;
  };
  const owed = await eventually(owing);
  t.equal(owed?.size, 1, 'one client owes');
  const [owingClient, unpaid] = [...owed!][0]!;
  // the four months are issued on the seed day, so they fall due on the next due day: from the day after
  // it, the billing office's arrears list shows that client, owing all four
  const lastDue = unpaid
    .map((s) => s.dueOn)
    .sort()
    .at(-1)!;
  const arrears = (
    await platform.app.inject({
      url: `/v1/billing/arrears?municipality=BLG01&asOf=${addDays(lastDue, 1)}`,
      headers: { authorization: `Bearer ${officer}` },
    })
  ).json() as { items: { clientId: string; months: string[] }[] };
  t.match(
    arrears.items,
    [{ clientId: owingClient, months: unpaid.map((s) => s.month).sort() }],
    'in arrears for four months once they come due, and no one else',
  );
  t.equal(unpaid.length, 4, 'the last four months unpaid');
  t.equal(arrears.items.length, 1);
});
