import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@casework/contracts';
import { type Database, EventStore, migrate } from '@casework/eventstore';
import { sql } from 'kysely';
import type { EventHandler } from '../src/index.js';

/** A producer store and consumer stores in one test database, each its own schema like a service. */
export async function stores(database: Database, consumers: string[]) {
  await migrate(database.db, 'producer');
  const producer = new EventStore(database, 'producer');
  const targets: Record<string, EventStore> = {};
  for (const c of consumers) {
    await migrate(database.db, c);
    await sql`CREATE TABLE ${sql.id(c)}.applied (event_id uuid NOT NULL, n int NOT NULL)`.execute(
      database.db,
    );
    targets[c] = new EventStore(database, c);
  }
  return { producer, targets };
}

/** Records each applied event: a duplicate effect would show as a second row for the same id. */
export const recordApplied =
  (schema: string): EventHandler =>
  async (event, tx) => {
    await sql`INSERT INTO ${sql.id(schema)}.applied VALUES (${event.eventId}::uuid, ${(event.data as { n: number }).n})`.execute(
      tx,
    );
  };

export async function applied(store: EventStore): Promise<{ total: number; distinct: number }> {
  const { rows } = await sql<{ total: string; distinct: string }>`SELECT count(*)::text AS total,
    count(DISTINCT event_id)::text AS distinct FROM ${sql.id(store.schema)}.applied`.execute(store.db);
  return { total: Number(rows[0]?.total), distinct: Number(rows[0]?.distinct) };
}

export async function appendNumbered(producer: EventStore, from: number, count: number, type = 'Numbered') {
  for (let n = from; n < from + count; n++) {
    const metadata: EventMetadata = {
      specversion: '1.0',
      id: randomUUID(),
      type: `casework.producer.${type}.v1`,
      source: 'producer',
      subject: `s-${n % 10}`,
      time: new Date().toISOString(),
      correlationid: randomUUID(),
    };
    await producer.append([
      {
        streamId: `s-${n % 10}`,
        streamType: 's',
        expectedVersion: 'any',
        events: [{ type, data: { n }, metadata }],
      },
    ]);
  }
}

export async function eventually(check: () => Promise<boolean>, ms = 30_000, every = 50): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return check();
}
