import {
  AbsenceEnded,
  AbsenceStarted,
  Admitted,
  CapacityChanged,
  ClientDetailsCorrected,
  ClientGroupRecorded,
  ClientRegistered,
  ClientsMerged,
  ClientsUnmerged,
  DisabilityAssessed,
  Discharged,
  DwellingDisposed,
  FactRetracted,
  IncomeDeclared,
  SavingsDeclared,
  SchoolEnrolmentRecorded,
  SiteClosed,
  SiteOpened,
  Transferred,
} from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import { type ConsumerSpec, type IncomingEvent, idDigits, inRuns } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/** The events a client's charges rest on, by the service that publishes them. */
const FROM_PLACEMENT = [Admitted, Transferred, Discharged, AbsenceStarted, AbsenceEnded];
const FROM_INTAKE = [
  ClientRegistered,
  ClientDetailsCorrected,
  IncomeDeclared,
  DisabilityAssessed,
  SavingsDeclared,
  DwellingDisposed,
  ClientGroupRecorded,
  SchoolEnrolmentRecorded,
  FactRetracted,
  ClientsMerged,
  ClientsUnmerged,
];
const definitions = new Map<string, (typeof FROM_PLACEMENT | typeof FROM_INTAKE)[number]>(
  [...FROM_PLACEMENT, ...FROM_INTAKE].map((d) => [d.name, d]),
);

type Kept = { eventId: string; type: string; data: Record<string, unknown> };

/** The client an input is kept under: a merge's (or unmerge's) survivor, else the event's client. */
const ownerOf = (type: string, data: Record<string, unknown>) =>
  String(type === ClientsMerged.name || type === ClientsUnmerged.name ? data.survivorId : data.clientId);

/**
 * Events as input rows, in one statement: numbered in the order given, each kept once. The events kept
 * now, with their data as their schemas read it (those delivered before are not among them).
 */
async function keepInputs(ctx: ServiceContext, tx: Tx, events: readonly IncomingEvent[]): Promise<Kept[]> {
  const rows = events.map((event) => {
    const data = definitions.get(event.type)!.schema.parse(event.data) as Record<string, unknown>;
    return { eventId: event.eventId, type: event.type, data, client_id: ownerOf(event.type, data) };
  });
  const { rows: kept } = await sql<{ event_id: string }>`
    INSERT INTO ${sql.id(ctx.store.schema, 'inputs')} (event_id, client_id, type, data, recorded_at)
    SELECT r."eventId", r.client_id, r.type, r.data, ${ctx.clock().toISOString()}::timestamptz
    FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS ("eventId" uuid, client_id uuid, type text, data jsonb)) WITH ORDINALITY AS r("eventId", client_id, type, data, n)
    ORDER BY r.n
    ON CONFLICT (event_id) DO NOTHING RETURNING event_id::text`.execute(tx);
  // ids compared by their digits: PostgreSQL answers in its canonical form whatever form it was given
  const fresh = new Set(kept.map((r) => idDigits(r.event_id)));
  return rows.filter((r) => fresh.has(idDigits(r.eventId)));
}

type StayBegun = {
  placementId: string;
  clientId: string;
  municipality: string;
  serviceType: string;
  siteId: string;
  on: string;
};

/** Stays begun (by an admission, or a transfer's new stay), each once, in one statement. */
async function beginStays(ctx: ServiceContext, tx: Tx, stays: readonly StayBegun[]) {
  if (stays.length === 0) return;
  await sql`INSERT INTO ${sql.id(ctx.store.schema, 'stays')} (placement_id, client_id, municipality, service_type,
      site_id, from_date)
    SELECT a."placementId", a."clientId", a.municipality, a."serviceType", a."siteId", a."on"
    FROM jsonb_to_recordset(${JSON.stringify(stays)}::jsonb) AS a("placementId" uuid, "clientId" uuid,
      municipality text, "serviceType" text, "siteId" uuid, "on" date)
    ON CONFLICT (placement_id) DO NOTHING`.execute(tx);
}

/**
 * Keeps an event about a client as an input row, once, and keeps the stays a run looks for. A merge is
 * kept under the survivor (the merged record's inputs count as the survivor's from then on) and moves
 * its stays.
 */
async function keep(ctx: ServiceContext, tx: Tx, event: IncomingEvent) {
  const [kept] = await keepInputs(ctx, tx, [event]);
  if (!kept) return; // delivered before
  const s = (table: string) => sql.id(ctx.store.schema, table);
  const end = (placementId: string, on: string) =>
    sql`UPDATE ${s('stays')} SET to_date = ${on}::date WHERE placement_id = ${placementId}::uuid`.execute(tx);
  switch (event.type) {
    case Admitted.name:
      await beginStays(ctx, tx, [Admitted.schema.parse(kept.data)]);
      break;
    case Transferred.name: {
      const d = Transferred.schema.parse(kept.data);
      await end(d.from.placementId, d.on);
      await beginStays(ctx, tx, [{ ...d.to, clientId: d.clientId, on: d.on }]);
      break;
    }
    case Discharged.name: {
      const d = Discharged.schema.parse(kept.data);
      await end(d.placementId, d.on);
      break;
    }
    case ClientsMerged.name: {
      const d = ClientsMerged.schema.parse(kept.data);
      await sql`UPDATE ${s('stays')} SET client_id = ${d.survivorId}::uuid WHERE client_id = ${d.mergedId}::uuid`.execute(
        tx,
      );
      break;
    }
    case ClientsUnmerged.name: {
      // the merged record's own stays go back to it: those its own admissions and transfers began
      const d = ClientsUnmerged.schema.parse(kept.data);
      await sql`UPDATE ${s('stays')} SET client_id = ${d.mergedId}::uuid
        WHERE client_id = ${d.survivorId}::uuid AND placement_id IN (
          SELECT coalesce(data -> 'to' ->> 'placementId', data ->> 'placementId')::uuid FROM ${s('inputs')}
          WHERE client_id = ${d.mergedId}::uuid AND type IN ('Admitted', 'Transferred'))`.execute(tx);
      break;
    }
  }
}

/** Events whose keeping is their input row alone, or with an admission's new stay: kept in runs. */
const KEPT_ALONE = new Set<string>([
  Transferred.name,
  Discharged.name,
  ClientsMerged.name,
  ClientsUnmerged.name,
]);
const KEPT_TOGETHER = new Set<string>(
  [...FROM_PLACEMENT, ...FROM_INTAKE].map((d) => d.name).filter((n) => !KEPT_ALONE.has(n)),
);

/** `keep` for a run of such events in two statements: their input rows, then the admissions' stays. */
async function keepRun(ctx: ServiceContext, tx: Tx, events: readonly IncomingEvent[]) {
  const kept = await keepInputs(ctx, tx, events);
  await beginStays(
    ctx,
    tx,
    kept.flatMap((k) => (k.type === Admitted.name ? [Admitted.schema.parse(k.data)] : [])),
  );
}

/** A site's funding and capacity over time, for the place-days report. */
async function keepSite(ctx: ServiceContext, tx: Tx, event: { type: string; data: unknown }) {
  const s = (table: string) => sql.id(ctx.store.schema, table);
  const places = (siteId: string, from: string, n: number) =>
    sql`INSERT INTO ${s('site_capacities')} (site_id, from_date, places) VALUES (${siteId}::uuid, ${from}::date, ${n})
      ON CONFLICT (site_id, from_date) DO UPDATE SET places = EXCLUDED.places`.execute(tx);
  switch (event.type) {
    case SiteOpened.name: {
      const d = SiteOpened.schema.parse(event.data);
      await sql`INSERT INTO ${s('sites')} (site_id, municipality, service_type, name, funding, opened_on)
        VALUES (${d.siteId}::uuid, ${d.municipality}, ${d.serviceType}, ${d.name}, ${d.funding}, ${d.openedOn}::date)
        ON CONFLICT (site_id) DO NOTHING`.execute(tx);
      await places(d.siteId, d.openedOn, d.places);
      return;
    }
    case CapacityChanged.name: {
      const d = CapacityChanged.schema.parse(event.data);
      await places(d.siteId, d.from, d.places);
      return;
    }
    case SiteClosed.name: {
      const d = SiteClosed.schema.parse(event.data);
      await sql`UPDATE ${s('sites')} SET closed_on = ${d.on}::date WHERE site_id = ${d.siteId}::uuid`.execute(
        tx,
      );
      return;
    }
  }
}

const SITE_EVENTS = new Set<string>([SiteOpened.name, CapacityChanged.name, SiteClosed.name]);

/** What billing learns from placement: stays, transfers, discharges and absences; and the sites. */
export const placementInputs = (ctx: ServiceContext): ConsumerSpec => {
  const spec: ConsumerSpec = {
    name: 'placement-inputs',
    sources: { placement: [...FROM_PLACEMENT.map((d) => d.name), ...SITE_EVENTS] },
    handle: (event, tx) => (SITE_EVENTS.has(event.type) ? keepSite(ctx, tx, event) : keep(ctx, tx, event)),
    handleBatch: (events, tx) =>
      inRuns(events, tx, keptTogether, (run) => keepRun(ctx, tx, run), spec.handle),
  };
  return spec;
};

/**
 * What billing learns from intake: birth dates (and their corrections), incomes, disability decisions,
 * savings, dwellings disposed of, client groups, school enrolments, retractions, merges and unmerges.
 */
export const intakeInputs = (ctx: ServiceContext): ConsumerSpec => {
  const spec: ConsumerSpec = {
    name: 'intake-inputs',
    sources: { intake: FROM_INTAKE.map((d) => d.name) },
    handle: (event, tx) => keep(ctx, tx, event),
    handleBatch: (events, tx) =>
      inRuns(events, tx, keptTogether, (run) => keepRun(ctx, tx, run), spec.handle),
  };
  return spec;
};

const keptTogether = (event: IncomingEvent) => KEPT_TOGETHER.has(event.type);
