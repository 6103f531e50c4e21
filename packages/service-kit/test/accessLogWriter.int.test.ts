import { randomUUID } from 'node:crypto';
import { EventStore, migrate } from '@casework/eventstore';
import { testPGlite, testPostgres } from '@casework/testkit';
import { sql } from 'kysely';
import t from 'tap';
import { type AccessLogEntry, MAX_WAITING_ROWS, writeAccessLog } from '../src/accessLogWriter.js';
import { accessLogMigrations } from '../src/index.js';

/** Issue 19: access-log rows share commits between concurrent requests, each committed before it returns. */

const SCHEMA = 'kit_access';

const entry = (correlationId: string, clientId = randomUUID()): AccessLogEntry => ({
  actor: 'cm-1',
  role: 'case_manager',
  clientId,
  municipality: 'BLG01',
  action: 'read',
  route: '/v1/clients/:clientId',
  correlationId,
});

for (const backend of ['pglite', 'pg'] as const) {
  t.test(`group commit of the access log (${backend})`, async (t) => {
    const database = backend === 'pg' ? await testPostgres(t, { max: 10 }) : await testPGlite(t);
    await migrate(database.db, SCHEMA, accessLogMigrations(SCHEMA));
    const store = new EventStore(database, SCHEMA);
    const logged = async () =>
      (
        await sql<{ correlation_id: string; tx: string }>`SELECT correlation_id, xmin::text AS tx
          FROM ${sql.id(SCHEMA, 'access_log')} ORDER BY id`.execute(database.db)
      ).rows;

    await writeAccessLog(store, [entry('alone')]);
    t.same(
      (await logged()).map((r) => r.correlation_id),
      ['alone'],
      'a request alone is written at once and committed when its write resolves',
    );

    // 200 requests at once, each with one to three clients shown
    const requests = Array.from({ length: 200 }, (_, i) =>
      Array.from({ length: 1 + (i % 3) }, () => entry(`r${i}`)),
    );
    const seenWhenResolved = await Promise.all(
      requests.map(async (rows) => {
        await writeAccessLog(store, rows);
        // committed: another connection's read sees the request's rows as soon as its write resolves
        const mine = (await logged()).filter((r) => r.correlation_id === rows[0]!.correlationId);
        return mine.length === rows.length;
      }),
    );
    t.ok(
      seenWhenResolved.every(Boolean),
      'every request sees its own rows committed when its write resolves',
    );
    const rows = (await logged()).filter((r) => r.correlation_id !== 'alone');
    t.equal(rows.length, requests.flat().length, 'every row of every request is logged, none twice');
    // the transaction that wrote each row
    const commits = new Set(rows.map((r) => r.tx)).size;
    t.ok(commits < 50, `the 200 requests shared commits (${commits} transactions for 200 requests)`);

    // one request's bad row fails that request only
    const bad = { ...entry('bad'), clientId: 'not-a-uuid' };
    const outcomes = await Promise.allSettled([
      writeAccessLog(store, [entry('good-1')]),
      writeAccessLog(store, [entry('good-2')]),
      writeAccessLog(store, [bad]),
      writeAccessLog(store, [entry('good-3')]),
      writeAccessLog(store, [entry('good-4')]),
    ]);
    t.same(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      'a row the database refuses fails its own request, not those that shared its commit',
    );
    const after = (await logged()).map((r) => r.correlation_id);
    t.same(
      ['good-1', 'good-2', 'good-3', 'good-4'].map((c) => after.filter((x) => x === c).length),
      [1, 1, 1, 1],
      'the others are logged once each',
    );
    t.notOk(after.includes('bad'), 'the refused one is not logged');

    // a lone surrogate (in a token's subject, say) is logged with U+FFFD in its place, as UTF-8 has it
    await writeAccessLog(store, [{ ...entry('surrogate'), actor: 'cm-\ud800-1' }]);
    const { rows: actors } = await sql<{ actor: string }>`SELECT actor FROM ${sql.id(SCHEMA, 'access_log')}
      WHERE correlation_id = 'surrogate'`.execute(database.db);
    t.same(actors, [{ actor: 'cm-\ufffd-1' }]);
  });
}

t.test(
  'a write resolves only once its rows are committed, and a queue that cannot drain is refused',
  async (t) => {
    const database = await testPostgres(t, { max: 10 });
    await migrate(database.db, SCHEMA, accessLogMigrations(SCHEMA));
    const store = new EventStore(database, SCHEMA);
    // another session holds the log: nothing can be written until it lets go
    const holder = await database.db.connection().execute(async (c) => {
      await sql`BEGIN`.execute(c);
      await sql`LOCK TABLE ${sql.id(SCHEMA, 'access_log')} IN EXCLUSIVE MODE`.execute(c);
      let settled = false;
      const waiting = writeAccessLog(store, [entry('held')]).then(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      t.notOk(settled, 'not resolved while its rows cannot be committed');
      const many = (n: number, tag: string) => Array.from({ length: n }, (_, i) => entry(`${tag}-${i}`));
      const queued = writeAccessLog(store, many(MAX_WAITING_ROWS - 10, 'queued'));
      const refused = await writeAccessLog(store, many(100, 'over')).catch(
        (e: { status?: number }) => e.status,
      );
      t.equal(refused, 503, 'past the most rows that may wait, a read is refused at once');
      const command = writeAccessLog(store, [entry('after-commit')], { refusable: false });
      await sql`COMMIT`.execute(c);
      await waiting;
      await queued;
      await command;
      return settled;
    });
    t.ok(holder, 'resolved once the lock was let go');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(SCHEMA, 'access_log')}
    WHERE correlation_id LIKE 'over-%'`.execute(database.db);
    t.equal(rows[0]!.n, 0, 'the refused request wrote nothing');
    const { rows: kept } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM ${sql.id(SCHEMA, 'access_log')}
    WHERE correlation_id = 'after-commit'`.execute(database.db);
    t.equal(kept[0]!.n, 1, "a command's answer is queued past the bound and logged");
  },
);

t.test('a database that fails the statement fails every request in it at once', async (t) => {
  const database = await testPostgres(t, { max: 4 });
  // no table: every statement fails for a reason that is not a row's content
  const store = new EventStore(database, 'kit_access_missing');
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => writeAccessLog(store, [entry(`gone-${i}`)])),
  );
  t.ok(
    outcomes.every((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === '42P01'),
    'all 20 refused with the database error',
  );
});
