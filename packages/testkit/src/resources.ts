import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { connectPGlite, connectPostgres, type Database } from '@casework/eventstore';
import pg from 'pg';
import { servers } from './servers.js';

/** The part of a tap Test these helpers use, so they work with any test object that can tear down. */
export type Teardown = { teardown: (fn: () => unknown) => void };

const suffix = () => randomBytes(4).toString('hex');

function fileTag(): string {
  const file = basename(process.argv[1] ?? 'test')
    .replace(/\.test\.ts$/, '')
    .replace(/[^a-z0-9]/gi, '_');
  return file.toLowerCase().slice(0, 30);
}

/** A fresh PostgreSQL database for this test file, dropped at teardown. */
export async function testDatabaseUrl(t: Teardown): Promise<string> {
  const { databaseUrl } = await servers();
  const name = `cw_${fileTag()}_${suffix()}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function testPostgres(t: Teardown, options: { max?: number } = {}): Promise<Database> {
  const database = connectPostgres(await testDatabaseUrl(t), options);
  t.teardown(() => database.close());
  return database;
}

export async function testPGlite(t: Teardown): Promise<Database> {
  const database = await connectPGlite();
  t.teardown(() => database.close());
  return database;
}

/** A NATS subject prefix and stream name of this test file's own, so runs never collide. */
export function natsNames(): { prefix: string; stream: string } {
  const id = `${fileTag()}_${suffix()}`;
  return { prefix: `t_${id}`, stream: `CW_${id.toUpperCase()}` };
}

export async function natsUrl(): Promise<string> {
  return (await servers()).natsUrl;
}
