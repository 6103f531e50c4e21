import type { Projection, RecordedEvent, Tx } from '@casework/eventstore';
import { type RawBuilder, sql } from 'kysely';
import type { PlacementEvent } from '../domain/clientPlacements.js';
import { type Recorded, recorded } from './recorded.js';

type StayEvent = Extract<PlacementEvent, { type: 'Admitted' | 'Transferred' | 'TermRenewed' | 'Discharged' }>;
type Stayed = Recorded<StayEvent>;

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
  respite: boolean;
  recorded_at: string;
};
type Renewal = { placement_id: string; term_end: string; renewals: number; recorded_at: string };
type End = {
  placement_id: string;
  valid_to: string;
  end_reason: string;
  destination: unknown;
  transferred_to: string | null;
  recorded_at: string;
};

/** A batch of stay events as rows: the stays they open, the terms they renew and the stays they end. */
export function stayRows(events: readonly Stayed[]) {
  const opens: Open[] = [];
  const ends: End[] = [];
  // a stay renewed twice in one batch takes its last term
  const renewals = new Map<string, Renewal>();
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
          respite: d.respite ?? false,
          recorded_at: e.recordedAt,
        });
        break;
      }
      case 'Transferred': {
        const { clientId, on, from, to } = e.data;
        ends.push({
          placement_id: from.placementId,
          valid_to: on,
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
          respite: false,
          recorded_at: e.recordedAt,
        });
        break;
      }
      case 'TermRenewed':
        renewals.set(e.data.placementId, {
          placement_id: e.data.placementId,
          term_end: e.data.termEnd,
          renewals: e.data.renewal,
          recorded_at: e.recordedAt,
        });
        break;
      case 'Discharged':
        ends.push({
          placement_id: e.data.placementId,
          valid_to: e.data.on,
          end_reason: e.data.reason,
          destination: e.data.destination,
          transferred_to: null,
          recorded_at: e.recordedAt,
        });
        break;
    }
  }
  return { opens, renewals: [...renewals.values()], ends };
}

const COLUMNS = [
  'placement_id',
  'site_id',
  'client_id',
  'service_type',
  'kind',
  'municipality',
  'valid_from',
  'valid_to',
  'term_end',
  'renewals',
  'respite',
  'weekdays',
  'basis',
  'transferred_from',
  'end_reason',
  'destination',
  'transferred_to',
] as const;

/**
 * A new version of each stay named in `rows` (a recordset of `placement_id`, `recorded_at` and the
 * columns it changes, typed by `columns`): the current row is superseded when the change was recorded,
 * and a copy with the changes becomes current.
 */
function revise(stays: RawBuilder<unknown>, rows: object[], columns: Record<string, string>) {
  const changed = Object.keys(columns);
  const types = sql.raw(
    Object.entries(columns)
      .map(([c, t]) => `${c} ${t}`)
      .join(', '),
  );
  const picked = COLUMNS.map((c) => (changed.includes(c) ? sql.ref(`r_${c}`) : sql.ref(c)));
  return sql`WITH r AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(placement_id uuid, recorded_at timestamptz, ${types})),
    old AS (UPDATE ${stays} s SET superseded_at = r.recorded_at FROM r
      WHERE s.placement_id = r.placement_id AND s.superseded_at IS NULL
      RETURNING s.*, r.recorded_at AS r_recorded_at, ${sql.join(changed.map((c) => sql`r.${sql.ref(c)} AS ${sql.ref(`r_${c}`)}`))})
    INSERT INTO ${stays} (${sql.join(COLUMNS.map((c) => sql.ref(c)))}, recorded_at)
    SELECT ${sql.join(picked)}, r_recorded_at FROM old`;
}

/**
 * Applies a batch of stay events with set-based statements: every stay opened first, then every term
 * renewed, then every stay ended (a stay opens before it is renewed or ends, and ends once), so the
 * outcome is that of applying them one by one. A renewal or an end supersedes the stay's current row at
 * the time it was recorded and records the new version: the stays keep what we knew when. The current
 * rows are the placements' records too.
 */
export async function applyStays(schema: string, events: readonly Stayed[], tx: Tx): Promise<void> {
  const stays = sql.id(schema, 'stays');
  const { opens, renewals, ends } = stayRows(events);
  if (opens.length > 0)
    await sql`INSERT INTO ${stays} (placement_id, site_id, client_id, service_type, kind, municipality, valid_from,
        term_end, weekdays, basis, transferred_from, respite, recorded_at)
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(opens)}::jsonb) AS r(placement_id uuid, site_id uuid,
        client_id uuid, service_type text, kind text, municipality text, valid_from date, term_end date,
        weekdays int[], basis text, transferred_from uuid, respite boolean, recorded_at timestamptz)`.execute(
      tx,
    );
  if (renewals.length > 0) await revise(stays, renewals, { term_end: 'date', renewals: 'int' }).execute(tx);
  if (ends.length > 0)
    await revise(stays, ends, {
      valid_to: 'date',
      end_reason: 'text',
      destination: 'jsonb',
      transferred_to: 'uuid',
    }).execute(tx);
}

/**
 * The stays: a row per version of each placement's stay (the API's occupancy ledger), the current rows being
 * the placements' records. Occupancy on any date is a count, as of any time we knew it.
 */
export const staysProjection = (schema: string): Projection => ({
  name: 'stays',
  handles: ['Admitted', 'Transferred', 'TermRenewed', 'Discharged'],
  async applyBatch(batch: RecordedEvent[], tx) {
    await applyStays(
      schema,
      batch.map((e) => recorded<StayEvent>(e)),
      tx,
    );
  },
  async reset(tx) {
    await sql`TRUNCATE ${sql.id(schema, 'stays')}`.execute(tx);
  },
});
