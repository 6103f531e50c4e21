import t from 'tap';
import { PGliteInWorker } from '../src/pgliteWorker.js';

/** Issue 19: PGlite on its own thread answers as PGlite does, transactions and errors included. */

t.test('queries, transactions and errors as PGlite answers them', async (t) => {
  const db = await PGliteInWorker.create();
  t.teardown(() => db.close());
  await db.query('CREATE TABLE t (x int PRIMARY KEY, at timestamptz, b bytea, j jsonb)');

  const at = new Date('2026-11-02T08:00:00.000Z');
  await db.query('INSERT INTO t VALUES ($1, $2, $3, $4)', [1, at, Buffer.from([1, 2, 3]), { a: [1, 'б'] }]);
  const { rows } = await db.query<{ x: number; at: Date; b: Uint8Array; j: unknown }>('SELECT * FROM t');
  t.same(rows[0]!.x, 1);
  t.equal(rows[0]!.at.toISOString(), at.toISOString(), 'a timestamp comes back a Date');
  t.same([...rows[0]!.b], [1, 2, 3], 'bytes come back');
  t.same(rows[0]!.j, { a: [1, 'б'] }, 'JSON comes back parsed');

  const duplicate = await db.query('INSERT INTO t (x) VALUES (1)').catch((e: { code?: string }) => e);
  t.equal((duplicate as { code?: string }).code, '23505', "an error keeps PostgreSQL's SQLSTATE");

  const thrown = await db
    .transaction(async (tx) => {
      await tx.query('INSERT INTO t (x) VALUES (2)');
      throw new Error('changed my mind');
    })
    .catch((e: Error) => e.message);
  t.equal(thrown, 'changed my mind', "the callback's error is the transaction's");

  const aborted = await db
    .transaction(async (tx) => {
      await tx.query('INSERT INTO t (x) VALUES (3)');
      // a failure caught inside leaves the transaction aborted: its COMMIT is answered with a rollback
      await tx.query('INSERT INTO t (x) VALUES (1)').catch(() => {});
    })
    .catch((e: { code?: string }) => e.code);
  t.equal(aborted, '25P02', 'the COMMIT of a failed transaction is refused, not taken for a commit');

  const ok = await db.transaction(async (tx) => {
    await tx.query('INSERT INTO t (x) VALUES (4)');
    return 'done';
  });
  t.equal(ok, 'done');
  t.same(
    (await db.query<{ x: number }>('SELECT x FROM t ORDER BY x')).rows.map((r) => r.x),
    [1, 4],
    'only the committed transaction left its row',
  );
  t.equal(
    await db.transaction(async () => 'nothing asked'),
    'nothing asked',
    'a transaction without a query begins nothing and commits nothing',
  );

  const unsendable = await db.query('SELECT $1::text', [() => 1]).catch((e: Error) => e);
  t.ok(unsendable instanceof Error, 'a parameter that cannot reach the worker fails its query');
  t.same((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'and the next query is answered');
});

t.test('once closed, a query fails as a lost connection', async (t) => {
  const db = await PGliteInWorker.create();
  await db.close();
  const e = (await db.query('SELECT 1').catch((x: unknown) => x)) as { code?: string };
  t.equal(e.code, '08006', 'a connection failure, which callers retry or report as the database down');
  t.ok(db.closed);
});
