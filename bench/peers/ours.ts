import type { EventMetadata } from '@casework/contracts';
import { ConcurrencyError, connectPostgres, EventStore, migrate, START } from '@casework/eventstore';
import { Conflict, type PeerStore } from './store.js';

/** Casework's event store, as the services use it: kysely over a pg pool of 20. */
export async function ours(databaseUrl: string): Promise<PeerStore> {
  const database = connectPostgres(databaseUrl, { max: 20 });
  await migrate(database.db, 'peer');
  const store = new EventStore(database, 'peer');
  return {
    async append(streamId, events, expected) {
      try {
        const { streams } = await store.append([
          {
            streamId,
            streamType: 'peer',
            expectedVersion: expected,
            events: events.map((e) => ({ ...e, metadata: e.metadata as EventMetadata })),
          },
        ]);
        return streams[0]!.version;
      } catch (e) {
        if (e instanceof ConcurrencyError) throw new Conflict(e.message);
        throw e;
      }
    },
    async readStream(streamId) {
      return (await store.readStream(streamId)).events.length;
    },
    async catchUp(pageSize) {
      let at = START;
      const ids: string[] = [];
      for (;;) {
        const page = await store.readLog(at, { limit: pageSize });
        for (const e of page.events) ids.push(e.metadata.id);
        if (page.events.length < pageSize) return ids;
        at = page.through;
      }
    },
    close: () => database.close(),
  };
}
