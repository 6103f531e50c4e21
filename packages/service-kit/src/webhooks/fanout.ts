import type { EventDefinition } from '@casework/contracts';
import {
  type EventStore,
  Follower,
  type FollowerSource,
  logSource,
  type RecordedEvent,
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
  const log = logSource(
    store,
    published.map((d) => d.name),
  );
  /** Whether an endpoint was enabled at the last read. */
  let sending = false;
  /** The batch being committed queued deliveries: only then is the dispatcher woken to claim them. */
  let queuedAny = false;
  const source: FollowerSource<RecordedEvent> = {
    ...log,
    read: async (after, limit) => {
      sending = await anyEndpoint();
      if (sending) return log.read(after, limit);
      // nowhere to send: no event is read, only where the log ends (none of it held back), and that
      // only if no endpoint was enabled once it was read, so every event passed over came before any
      // endpoint (one registered now gets what follows it)
      const end = await log.read(after, 0);
      sending = await anyEndpoint();
      return sending ? log.read(after, limit) : { ...end, held: false };
    },
    committed: () => {
      if (queuedAny) queued();
      queuedAny = false;
    },
    // with nowhere to send, a commit does not hurry the fan-out: it moves on as it polls
    subscribe: (wake) =>
      log.subscribe!(() => {
        if (sending) wake();
      }),
  };
  return new Follower<RecordedEvent>({
    name: 'webhooks:fanout',
    source,
    target: { db: store.db, schema: store.schema },
    // deliveries follow their events within milliseconds
    gatherMs: 5,
    onError,
    handle: async (events, tx) => {
      const { rows: found } = await sql<{ id: string; scope: Scope; types: string[] }>`
        SELECT id, scope, types FROM ${s}.webhook_endpoints WHERE status = 'enabled'`.execute(tx);
      if (found.length === 0) return undefined;
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
