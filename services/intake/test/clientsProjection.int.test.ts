import { ProjectionRunner } from '@casework/eventstore';
import { eventually } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { clientsProjection } from '../src/projections/clients.js';
import { setUp } from './harness.js';

/** The clients read model folds each batch in memory: any split of the log must give the same rows. */
t.test('the clients projection gives the same rows whatever the batch size', async (t) => {
  const h = await setUp(t);
  const clients = [];
  for (let serial = 1; serial <= 6; serial++) clients.push(await h.register(serial));
  const [a, b, c, d, e, f] = clients.map((x) => x.clientId) as string[];
  const ok = async (url: string, body: object, headers?: object) => {
    const r = await h.post(url, body, headers);
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  };
  await ok(`/v1/clients/${a}/corrections`, { familyName: 'Поправенова', reason: 'typo at registration' });
  await ok(`/v1/clients/${a}/case-manager`, { caseManager: 'cm-bansko-1', since: '2026-11-23' });
  await ok(`/v1/clients/${a}/case-manager`, { caseManager: 'cm-bansko-2', since: '2026-11-24' });
  await ok(`/v1/clients/${b}/move`, { to: 'MON29', movedOn: '2026-11-30' });
  await ok(`/v1/clients/${c}/death`, { diedOn: '2026-11-20' });
  await ok(`/v1/clients/${d}/merge`, { duplicateId: e, reason: 'the same person' }, h.supervisor);
  await ok(`/v1/clients/${d}/unmerge`, { mergedId: e, reason: 'not the same person' }, h.supervisor);
  await ok(`/v1/clients/${d}/merge`, { duplicateId: f, reason: 'the same person' }, h.supervisor);
  await ok(`/v1/clients/${d}/corrections`, { givenName: 'Петър', reason: 'name changed by deed' });

  const store = h.app.hosted[0]!.ctx.store;
  const rows = async () =>
    (
      await sql<Record<string, unknown>>`SELECT * FROM intake.clients ORDER BY client_id`.execute(
        h.database.db,
      )
    ).rows;
  const live = await eventually(async () => {
    const r = await rows();
    const byId = new Map(r.map((x) => [x.client_id, x]));
    return byId.get(f)?.status === 'merged' && byId.get(d)?.given_name === 'Петър' ? r : undefined;
  });
  t.ok(live, 'the live projection caught up');
  t.match(
    new Map(live!.map((x) => [x.client_id, x])).get(a),
    { family_name: 'Поправенова', case_manager: 'cm-bansko-2' },
    'later events of a row win',
  );
  for (const batchSize of [1, 2, 5, 1000]) {
    const runner = new ProjectionRunner(
      { ...clientsProjection('intake'), name: `clients-in-batches-of-${batchSize}` },
      store,
      undefined,
      { batchSize },
    );
    t.ok((await runner.rebuild()) > 0, `replayed in batches of ${batchSize}`);
    t.same(await rows(), live, `batches of ${batchSize}: the same rows`);
  }
});
