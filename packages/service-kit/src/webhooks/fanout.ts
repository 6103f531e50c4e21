import type { EventDefinition } from '@casework/contracts';
import {
  type EventStore,
  Follower,
  type FollowerSource,
  logSource,
  type RecordedEvent,
  type Tx,
} from '@casework/eventstore';
import { sql } from 'kysely';
import { publicEvent, visibleTo } from '../publicEvents.js';
import { integratorJurisdiction, type Scope } from '../scope.js';

/**
 * Fans the service's published events out to its webhook endpoints: one follower over its log (one
 * instance at a time, the checkpoint moved in the transaction that queues the deliveries), each event
 * queued once per enabled endpoint that asked for its type and whose jurisdiction it falls in, as the
 * event feed shows it. Deliveries are numbered in log order: their order per endpoint and subject.
 */
export function webhookFanout(
  store: EventStore,
  published: readonly EventDefinition[],
  queued: () => void,
  onError: (e: unknown) => void,
): Follower<RecordedEvent> {
  const s = sql.id(store.schema);
  const byName = new Map(published.map((d) => [d.name, d]));
  const anyEndpoint = async () =>
    (
      await sql<{
        any: boolean;
      }>`SELECT EXISTS (SELECT 1 FROM ${s}.webhook_endpoints WHERE status = 'enabled') AS any`.execute(
        store.db,
      )
    ).rows[0]!.any;
  const types = published.map((d) => d.name);
  const withData = logSource(store, types);
  const withoutData = logSource(store, types, types);
  /** Whether an endpoint was enabled at the last read. */
  let sending = false;
  /** The batch being committed queued deliveries: only then is the dispatcher woken to claim them. */
  let queuedAny = false;
  // with no endpoint, the log is still followed (an endpoint registered meanwhile gets what follows) but
  // not sent its events' data: the handler reads the data of a batch only if it has somewhere to go
  const source: FollowerSource<RecordedEvent> = {
    ...withData,
    read: async (after, limit) => {
      sending = await anyEndpoint();
      return (sending ? withData : withoutData).read(after, limit);
    },
    committed: () => {
      if (queuedAny) queued();
      queuedAny = false;
    },
  };
  return new Follower<RecordedEvent>({
    name: 'webhooks:fanout',
    source,
    target: { db: store.db, schema: store.schema },
    // deliveries follow their events within milliseconds; with nowhere to send them, the checkpoint
    // only has to keep up, as a projection's does
    gatherMs: () => (sending ? 5 : 100),
    onError,
    handle: async (events, tx) => {
      const { rows: found } = await sql<{ id: string; scope: Scope; types: string[] }>`
        SELECT id, scope, types FROM ${s}.webhook_endpoints WHERE status = 'enabled'`.execute(tx);
      if (found.length === 0) return undefined;
      await withDataOf(store.schema, events, tx);
      // each endpoint's jurisdiction as its scope names it today; the payload as that jurisdiction sees it
      const endpoints = found.map((e) => {
        const j = integratorJurisdiction(e.scope);
        return { ...e, j, view: JSON.stringify(j) };
      });
      const rows = {
        endpoint: [] as string[],
        event: [] as string[],
        subject: [] as string[],
        payload: [] as string[],
      };
      for (const e of events) {
        const payloads = new Map<string, string>();
        for (const endpoint of endpoints) {
          if (!endpoint.types.includes(e.type) || !visibleTo(endpoint.j, e)) continue;
          let payload = payloads.get(endpoint.view);
          if (payload === undefined) {
            payload = JSON.stringify(publicEvent(byName.get(e.type)!, e, endpoint.j));
            payloads.set(endpoint.view, payload);
          }
          rows.endpoint.push(endpoint.id);
          rows.event.push(e.eventId);
          rows.subject.push(e.streamId);
          rows.payload.push(payload);
        }
      }
      if (rows.endpoint.length > 0) {
        queuedAny = true;
        await sql`INSERT INTO ${s}.webhook_deliveries (endpoint_id, event_id, subject, payload)
          SELECT endpoint_id, event_id, subject, payload
          FROM unnest(${rows.endpoint}::uuid[], ${rows.event}::uuid[], ${rows.subject}::text[], ${rows.payload}::text[])
            WITH ORDINALITY AS u(endpoint_id, event_id, subject, payload, n)
          ORDER BY n
          ON CONFLICT (endpoint_id, event_id) DO NOTHING`.execute(tx);
      }
      return undefined;
    },
  });
}

/** Events read without their data (no endpoint was there when they were read) get it, in place. */
export async function withDataOf(schema: string, events: RecordedEvent[], tx: Tx): Promise<void> {
  const missing = events.filter((e) => e.data === null).map((e) => e.eventId);
  if (missing.length === 0) return;
  const { rows } = await sql<{ event_id: string; data: unknown }>`
    SELECT event_id::text, data FROM ${sql.id(schema)}.events WHERE event_id = ANY(${missing}::uuid[])`.execute(
    tx,
  );
  const data = new Map(rows.map((r) => [r.event_id, r.data]));
  for (const e of events) if (e.data === null) e.data = data.get(e.eventId);
}
