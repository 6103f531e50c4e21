import type { Tx } from '@casework/eventstore';
import { oblastOf } from '@casework/reference-data';
import { sql } from 'kysely';
import type { PlacementEvent } from '../domain/clientPlacements.js';

type Stayed = Extract<PlacementEvent, { type: 'Admitted' | 'Transferred' | 'Discharged' }> & {
  eventId: string;
  recordedAt: string;
};

export const LEDGER_EVENTS: ReadonlySet<string> = new Set(['Admitted', 'Transferred', 'Discharged']);

type Open = {
  placement_id: string;
  client_id: string;
  site_id: string;
  service_type: string;
  kind: string;
  municipality: string;
  valid_from: string;
  term_end: string | null;
  weekdays: number[] | null;
  basis: string;
  transferred_from: string | null;
  recorded_at: string;
};
type End = {
  placement_id: string;
  on_date: string;
  end_reason: string;
  destination: unknown;
  transferred_to: string | null;
  recorded_at: string;
};
type Movement = {
  event_id: string;
  client_id: string;
  oblast: string;
  municipality: string;
  kind: 'admission' | 'transfer' | 'discharge';
  on_date: string;
  from_type: string | null;
  to_type: string | null;
  reason: string | null;
  destination: string | null;
  recorded_at: string;
};

/** A batch of stay events as rows: the stays they open, the stays they end, and the movements. */
export function ledgerRows(events: readonly Stayed[]) {
  const opens: Open[] = [];
  const ends: End[] = [];
  const movements: Movement[] = [];
  const move = (e: Stayed, m: Omit<Movement, 'event_id' | 'oblast' | 'recorded_at'>) =>
    movements.push({
      ...m,
      event_id: e.eventId,
      oblast: oblastOf(m.municipality as never) ?? '',
      recorded_at: e.recordedAt,
    });
  for (const e of events) {
    switch (e.type) {
      case 'Admitted': {
        const d = e.data;
        opens.push({
          placement_id: d.placementId,
          client_id: d.clientId,
          site_id: d.siteId,
          service_type: d.serviceType,
          kind: d.kind,
          municipality: d.municipality,
          valid_from: d.on,
          term_end: d.termEnd ?? null,
          weekdays: d.weekdays ?? null,
          basis: d.basis,
          transferred_from: null,
          recorded_at: e.recordedAt,
        });
        move(e, {
          client_id: d.clientId,
          municipality: d.municipality,
          kind: 'admission',
          on_date: d.on,
          from_type: null,
          to_type: d.serviceType,
          reason: null,
          destination: null,
        });
        break;
      }
      case 'Transferred': {
        const { clientId, on, from, to } = e.data;
        ends.push({
          placement_id: from.placementId,
          on_date: on,
          end_reason: 'moved_to_other_service',
          destination: { kind: 'site', siteId: to.siteId },
          transferred_to: to.placementId,
          recorded_at: e.recordedAt,
        });
        opens.push({
          placement_id: to.placementId,
          client_id: clientId,
          site_id: to.siteId,
          service_type: to.serviceType,
          kind: to.kind,
          municipality: to.municipality,
          valid_from: on,
          term_end: to.termEnd ?? null,
          weekdays: to.weekdays ?? null,
          basis: 'transfer',
          transferred_from: from.placementId,
          recorded_at: e.recordedAt,
        });
        move(e, {
          client_id: clientId,
          municipality: to.municipality,
          kind: 'transfer',
          on_date: on,
          from_type: from.serviceType,
          to_type: to.serviceType,
          reason: null,
          destination: null,
        });
        break;
      }
      case 'Discharged': {
        const d = e.data;
        ends.push({
          placement_id: d.placementId,
          on_date: d.on,
          end_reason: d.reason,
          destination: d.destination,
          transferred_to: null,
          recorded_at: e.recordedAt,
        });
        move(e, {
          client_id: d.clientId,
          municipality: d.municipality,
          kind: 'discharge',
          on_date: d.on,
          from_type: d.serviceType,
          to_type: d.destination.kind === 'service_type' ? d.destination.serviceType : null,
          reason: d.reason,
          destination: d.destination.kind,
        });
        break;
      }
    }
  }
  return { opens, ends, movements };
}

/**
 * Applies a batch of stay events with a few set-based statements: every stay opened first, then every
 * stay ended (a stay opens before it ends, and ends once), so the outcome is that of applying them one
 * by one. Ending a stay supersedes its current row at the time the end was recorded and records the
 * ended one: the ledger keeps what we knew when.
 */
export async function applyLedger(schema: string, events: readonly Stayed[], tx: Tx): Promise<void> {
  const t = (name: string) => sql.id(schema, name);
  const { opens, ends, movements } = ledgerRows(events);
  if (opens.length > 0) {
    const open = sql`jsonb_to_recordset(${JSON.stringify(opens)}::jsonb) AS r(placement_id uuid, client_id uuid,
      site_id uuid, service_type text, kind text, municipality text, valid_from date, term_end date, weekdays int[],
      basis text, transferred_from uuid, recorded_at timestamptz)`;
    await sql`INSERT INTO ${t('stays')} (placement_id, site_id, client_id, service_type, kind, municipality, valid_from, recorded_at)
      SELECT placement_id, site_id, client_id, service_type, kind, municipality, valid_from, recorded_at FROM ${open}`.execute(
      tx,
    );
    await sql`INSERT INTO ${t('placements')} (placement_id, client_id, site_id, service_type, kind, municipality, valid_from,
        term_end, weekdays, basis, transferred_from)
      SELECT placement_id, client_id, site_id, service_type, kind, municipality, valid_from, term_end, weekdays, basis,
        transferred_from FROM ${open}
      ON CONFLICT (placement_id) DO NOTHING`.execute(tx);
  }
  if (ends.length > 0) {
    const end = sql`jsonb_to_recordset(${JSON.stringify(ends)}::jsonb) AS r(placement_id uuid, on_date date,
      end_reason text, destination jsonb, transferred_to uuid, recorded_at timestamptz)`;
    await sql`WITH r AS (SELECT * FROM ${end}),
      old AS (UPDATE ${t('stays')} s SET superseded_at = r.recorded_at FROM r
        WHERE s.placement_id = r.placement_id AND s.superseded_at IS NULL
        RETURNING s.placement_id, s.site_id, s.client_id, s.service_type, s.kind, s.municipality, s.valid_from,
          r.on_date, r.recorded_at AS ended_at)
      INSERT INTO ${t('stays')} (placement_id, site_id, client_id, service_type, kind, municipality, valid_from, valid_to, recorded_at)
      SELECT placement_id, site_id, client_id, service_type, kind, municipality, valid_from, on_date, ended_at FROM old`.execute(
      tx,
    );
    await sql`UPDATE ${t('placements')} p SET ended_on = r.on_date, end_reason = r.end_reason, destination = r.destination,
        transferred_to = r.transferred_to
      FROM ${end} WHERE p.placement_id = r.placement_id`.execute(tx);
  }
  if (movements.length > 0)
    await sql`INSERT INTO ${t('movements')} (event_id, client_id, oblast, municipality, kind, on_date, from_type, to_type,
        reason, destination, recorded_at)
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(movements)}::jsonb) AS r(event_id uuid, client_id uuid,
        oblast text, municipality text, kind text, on_date date, from_type text, to_type text, reason text,
        destination text, recorded_at timestamptz)`.execute(tx);
}
