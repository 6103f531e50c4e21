import type { Tx } from '@casework/eventstore';
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

/** A batch of stay events as rows: the stays they open and the stays they end. */
export function ledgerRows(events: readonly Stayed[]) {
  const opens: Open[] = [];
  const ends: End[] = [];
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
        break;
      }
      case 'Discharged':
        ends.push({
          placement_id: e.data.placementId,
          on_date: e.data.on,
          end_reason: e.data.reason,
          destination: e.data.destination,
          transferred_to: null,
          recorded_at: e.recordedAt,
        });
        break;
    }
  }
  return { opens, ends };
}

/**
 * Applies a batch of stay events with two set-based statements: every stay opened first, then every
 * stay ended (a stay opens before it ends, and ends once), so the outcome is that of applying them one
 * by one. Ending a stay supersedes its current row at the time the end was recorded and records the
 * ended one: the ledger keeps what we knew when. The current rows are the placements' records too.
 */
export async function applyLedger(schema: string, events: readonly Stayed[], tx: Tx): Promise<void> {
  const stays = sql.id(schema, 'stays');
  const { opens, ends } = ledgerRows(events);
  if (opens.length > 0)
    await sql`INSERT INTO ${stays} (placement_id, site_id, client_id, service_type, kind, municipality, valid_from,
        term_end, weekdays, basis, transferred_from, recorded_at)
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(opens)}::jsonb) AS r(placement_id uuid, site_id uuid,
        client_id uuid, service_type text, kind text, municipality text, valid_from date, term_end date,
        weekdays int[], basis text, transferred_from uuid, recorded_at timestamptz)`.execute(tx);
  if (ends.length > 0)
    await sql`WITH r AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(ends)}::jsonb) AS r(placement_id uuid,
        on_date date, end_reason text, destination jsonb, transferred_to uuid, recorded_at timestamptz)),
      old AS (UPDATE ${stays} s SET superseded_at = r.recorded_at FROM r
        WHERE s.placement_id = r.placement_id AND s.superseded_at IS NULL
        RETURNING s.*, r.on_date, r.end_reason AS r_end_reason, r.destination AS r_destination,
          r.transferred_to AS r_transferred_to, r.recorded_at AS ended_at)
      INSERT INTO ${stays} (placement_id, site_id, client_id, service_type, kind, municipality, valid_from, valid_to,
        term_end, weekdays, basis, transferred_from, end_reason, destination, transferred_to, recorded_at)
      SELECT placement_id, site_id, client_id, service_type, kind, municipality, valid_from, on_date, term_end,
        weekdays, basis, transferred_from, r_end_reason, r_destination, r_transferred_to, ended_at FROM old`.execute(
      tx,
    );
}
