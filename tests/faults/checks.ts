/**
 * Consistency checks of the fault suite: each consuming read model against what the source service's
 * event log says in log order, the inbox against the source events, order per source stream, dead
 * letters, doubled effects, and read models against a rebuild from zero.
 */
import {
  ApplicationClosed,
  ApplicationSubmitted,
  ApplicationWithdrawn,
  ClientDetailsCorrected,
  ClientDied,
  ClientMoved,
  ClientRegistered,
  ClientsMerged,
  ClientsUnmerged,
  DisabilityAssessed,
  DwellingOwnershipRecorded,
  EligibilityChanged,
  EligibilityDetermined,
  EligibilityOverridden,
  FactRetracted,
  HouseholdMemberAdded,
  HouseholdMemberLeft,
  IncomeDeclared,
  NeedsAssessed,
  ReferralRecorded,
  ResidenceRecorded,
  WaitingListEntryRemoved,
  WaitingListed,
} from '@casework/contracts';
import pg from 'pg';

const DIRECTORY_TYPES = [
  ClientRegistered,
  ClientDetailsCorrected,
  ClientMoved,
  ClientDied,
  ClientsMerged,
  ClientsUnmerged,
].map((d) => d.name);

/** Every durable consumer of the platform: where it lives, what it reads and which event types it applies. */
export const CONSUMERS: { schema: string; consumer: string; source: string; types: string[] }[] = [
  {
    schema: 'eligibility',
    consumer: 'intake-facts',
    source: 'intake',
    types: [
      ...DIRECTORY_TYPES,
      ...[
        IncomeDeclared,
        DisabilityAssessed,
        DwellingOwnershipRecorded,
        FactRetracted,
        ResidenceRecorded,
        HouseholdMemberAdded,
        HouseholdMemberLeft,
        NeedsAssessed,
        ReferralRecorded,
        ApplicationSubmitted,
      ].map((d) => d.name),
    ],
  },
  {
    schema: 'eligibility',
    consumer: 'placement-history',
    source: 'placement',
    types: ['Admitted', 'Transferred', 'Discharged'],
  },
  {
    schema: 'placement',
    consumer: 'intake',
    source: 'intake',
    types: [
      ...DIRECTORY_TYPES,
      ...[ApplicationSubmitted, ReferralRecorded, ApplicationWithdrawn, ApplicationClosed].map((d) => d.name),
    ],
  },
  {
    schema: 'placement',
    consumer: 'eligibility',
    source: 'eligibility',
    types: [EligibilityDetermined, EligibilityChanged, EligibilityOverridden].map((d) => d.name),
  },
  { schema: 'billing', consumer: 'client-directory', source: 'intake', types: DIRECTORY_TYPES },
];

type Ev = { type: string; data: Record<string, unknown>; stream_id: string };

export type Mismatch = { model: string; key: string; expected: unknown; actual: unknown };

export type Report = {
  /** Source events the consumers should have applied (one per consumer and event). */
  sent: number;
  /** Of those, the ones in the consumers' inboxes. */
  applied: number;
  /** Effects that happened more than once for one cause. */
  duplicates: number;
  /** Events applied (by inbox time) before an earlier event of the same source stream. */
  orderViolations: number;
  deadLetters: number;
  /** Read-model rows that differ from the fold of the source log. */
  mismatches: Mismatch[];
  /** Per model, how many rows differ. */
  mismatchCounts: Record<string, number>;
  perConsumer: Record<string, { sent: number; applied: number; orderViolations: number }>;
  detail: string[];
};

async function events(db: pg.Client, schema: string, types: string[]): Promise<Ev[]> {
  const { rows } = await db.query<Ev>(
    `SELECT type, data, stream_id FROM "${schema}".events WHERE type = ANY($1)
     ORDER BY transaction_id, global_position`,
    [types],
  );
  return rows;
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

function compare(
  model: string,
  expected: Map<string, Record<string, unknown>>,
  actual: Map<string, Record<string, unknown>>,
  out: Mismatch[],
): number {
  let n = 0;
  for (const [key, e] of expected) {
    const a = actual.get(key);
    if (!a || Object.keys(e).some((k) => str(e[k]) !== str(a[k]))) {
      n++;
      out.push({ model, key, expected: e, actual: a ?? 'missing' });
    }
  }
  for (const [key, a] of actual) {
    if (!expected.has(key)) {
      n++;
      out.push({ model, key, expected: 'absent', actual: a });
    }
  }
  return n;
}

/** The client directory as intake's log says it should be (clientDirectoryConsumer's rules, in log order). */
async function expectedDirectory(db: pg.Client) {
  const m = new Map<string, Record<string, unknown>>();
  for (const e of await events(db, 'intake', DIRECTORY_TYPES)) {
    const d = e.data as Record<string, string>;
    switch (e.type) {
      case ClientRegistered.name:
        if (!m.has(d.clientId!))
          m.set(d.clientId!, {
            birth_date: d.birthDate,
            sex: d.sex,
            municipality: d.municipality,
            registered_on: d.registeredOn,
            died_on: null,
            merged_into: null,
          });
        break;
      case ClientDetailsCorrected.name: {
        const r = m.get(d.clientId!);
        if (r) Object.assign(r, { birth_date: d.birthDate, sex: d.sex });
        break;
      }
      case ClientMoved.name: {
        const r = m.get(d.clientId!);
        if (r) r.municipality = d.to;
        break;
      }
      case ClientDied.name: {
        const r = m.get(d.clientId!);
        if (r) r.died_on = d.diedOn;
        break;
      }
      case ClientsMerged.name: {
        const r = m.get(d.mergedId!);
        if (r) r.merged_into = d.survivorId;
        break;
      }
      case ClientsUnmerged.name: {
        const r = m.get(d.mergedId!);
        if (r && r.merged_into === d.survivorId) r.merged_into = null;
        break;
      }
    }
  }
  return m;
}

async function expectedApplications(db: pg.Client) {
  const m = new Map<string, Record<string, unknown>>();
  const types = [ApplicationSubmitted, ReferralRecorded, ApplicationWithdrawn, ApplicationClosed].map(
    (d) => d.name,
  );
  for (const e of await events(db, 'intake', types)) {
    const d = e.data as Record<string, unknown>;
    const id = String(d.applicationId);
    if (e.type === ApplicationSubmitted.name) {
      if (!m.has(id))
        m.set(id, {
          client_id: d.clientId,
          service_type: d.serviceType,
          municipality: d.municipality,
          submitted_on: d.submittedOn,
          referral_required: d.referralRequired,
          referral_on: null,
          open: true,
        });
    } else if (e.type === ReferralRecorded.name) {
      const r = m.get(id);
      if (r) r.referral_on = d.issuedOn;
    } else {
      const r = m.get(id);
      if (r) r.open = false;
    }
  }
  return m;
}

/** Placement's view of eligibility (its eligibility consumer's rules over eligibility's log). */
async function expectedOutcomes(db: pg.Client) {
  const m = new Map<string, Record<string, unknown>>();
  const types = [EligibilityDetermined, EligibilityChanged, EligibilityOverridden].map((d) => d.name);
  for (const e of await events(db, 'eligibility', types)) {
    const d = e.data as Record<string, string>;
    const key = `${d.clientId}/${d.serviceType}`;
    const r = m.get(key);
    if (e.type === EligibilityDetermined.name) {
      if (r) Object.assign(r, { determination_id: d.determinationId, valid_until: d.validUntil });
      else m.set(key, { determination_id: d.determinationId, outcome: d.outcome, valid_until: d.validUntil });
    } else if (e.type === EligibilityOverridden.name) {
      if (r) r.valid_until = d.until;
    } else if (r) r.outcome = d.to;
  }
  return m;
}

async function rowsBy(db: pg.Client, query: string, key: (r: Record<string, unknown>) => string) {
  const { rows } = await db.query(query);
  return new Map(rows.map((r) => [key(r), r]));
}

/** Runs every check against the database the fleet writes (all four schemas in one database). */
export async function checkConsistency(databaseUrl: string): Promise<Report> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const mismatches: Mismatch[] = [];
    const mismatchCounts: Record<string, number> = {};
    const detail: string[] = [];
    const directory = await expectedDirectory(db);
    for (const schema of ['eligibility', 'placement', 'billing']) {
      const actual = await rowsBy(
        db,
        `SELECT client_id::text, birth_date::text, sex, municipality, registered_on::text, died_on::text,
           merged_into::text FROM "${schema}".client_directory`,
        (r) => String(r.client_id),
      );
      for (const r of actual.values()) delete r.client_id;
      mismatchCounts[`${schema}.client_directory`] = compare(
        `${schema}.client_directory`,
        directory,
        actual,
        mismatches,
      );
    }
    const applications = await rowsBy(
      db,
      `SELECT application_id::text, client_id::text, service_type, municipality, submitted_on::text,
         referral_required, referral_on::text, open FROM placement.applications`,
      (r) => String(r.application_id),
    );
    for (const r of applications.values()) delete r.application_id;
    mismatchCounts['placement.applications'] = compare(
      'placement.applications',
      await expectedApplications(db),
      applications,
      mismatches,
    );
    const outcomes = await rowsBy(
      db,
      `SELECT client_id::text || '/' || service_type AS key, determination_id::text, outcome, valid_until::text
       FROM placement.eligibility`,
      (r) => String(r.key),
    );
    for (const r of outcomes.values()) delete r.key;
    mismatchCounts['placement.eligibility'] = compare(
      'placement.eligibility',
      await expectedOutcomes(db),
      outcomes,
      mismatches,
    );
    // an entry still on a waiting list must stand on an application intake holds open
    const { rows: stale } = await db.query<{ entry_id: string }>(
      `SELECT w.entry_id::text FROM placement.waiting_list w
       WHERE w.removed_on IS NULL AND NOT EXISTS (
         SELECT 1 FROM intake.events e WHERE e.type = 'ApplicationSubmitted' AND e.data->>'applicationId' = w.entry_id::text)
       OR w.removed_on IS NULL AND EXISTS (
         SELECT 1 FROM intake.events e WHERE e.type IN ('ApplicationWithdrawn', 'ApplicationClosed')
           AND e.data->>'applicationId' = w.entry_id::text)`,
    );
    mismatchCounts['placement.waiting_list'] = stale.length;
    for (const s of stale)
      mismatches.push({
        model: 'placement.waiting_list',
        key: s.entry_id,
        expected: 'removed',
        actual: 'listed',
      });

    // doubled effects: a determination per application, a fact row per event, a listing per open entry
    let duplicates = 0;
    const count = async (q: string) => Number((await db.query<{ n: string }>(q)).rows[0]?.n ?? 0);
    const doubledDeterminations = await count(
      `SELECT count(*)::text AS n FROM (SELECT data->>'applicationId' FROM eligibility.events
       WHERE type = 'EligibilityDetermined' AND data->'trigger'->>'kind' = 'application'
       GROUP BY 1 HAVING count(*) > 1) x`,
    );
    const doubledFacts = await count(
      `SELECT (SELECT count(*) FROM eligibility.client_facts) - (SELECT count(DISTINCT event_id) FROM eligibility.client_facts) AS n`,
    );
    const listed = new Set<string>();
    let doubledListings = 0;
    for (const e of await events(db, 'placement', [WaitingListed.name, WaitingListEntryRemoved.name])) {
      const id = String((e.data as { entryId?: string }).entryId);
      if (e.type === WaitingListed.name) {
        if (listed.has(id)) doubledListings++;
        listed.add(id);
      } else listed.delete(id);
    }
    duplicates = doubledDeterminations + doubledFacts + doubledListings;
    detail.push(
      `duplicates: determinations per application ${doubledDeterminations}, fact rows ${doubledFacts}, listings ${doubledListings}`,
    );

    // inbox against the source log, and order per source stream by the time each was applied
    let sent = 0;
    let applied = 0;
    let orderViolations = 0;
    const perConsumer: Report['perConsumer'] = {};
    for (const c of CONSUMERS) {
      const s = await count(
        `SELECT count(*)::text AS n FROM "${c.source}".events WHERE type = ANY('{${c.types.join(',')}}')`,
      );
      const a = await count(
        `SELECT count(*)::text AS n FROM "${c.schema}".inbox i JOIN "${c.source}".events e ON e.event_id = i.event_id
         WHERE i.consumer = '${c.consumer}' AND e.type = ANY('{${c.types.join(',')}}')`,
      );
      const o = await count(
        `SELECT count(*)::text AS n FROM (
           SELECT i.processed_at, max(i.processed_at) OVER (PARTITION BY e.stream_id ORDER BY e.stream_position
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
           FROM "${c.schema}".inbox i JOIN "${c.source}".events e ON e.event_id = i.event_id
           WHERE i.consumer = '${c.consumer}') x WHERE processed_at < before`,
      );
      perConsumer[`${c.schema}/${c.consumer}`] = { sent: s, applied: a, orderViolations: o };
      sent += s;
      applied += a;
      orderViolations += o;
    }
    let deadLetters = 0;
    for (const schema of ['intake', 'eligibility', 'placement', 'billing'])
      deadLetters += await count(`SELECT count(*)::text AS n FROM "${schema}".dead_letters`);
    return {
      sent,
      applied,
      duplicates,
      orderViolations,
      deadLetters,
      mismatches,
      mismatchCounts,
      perConsumer,
      detail,
    };
  } finally {
    await db.end();
  }
}

/** Tables that are no read model: the event store's own, the inbox, keys, limits and access logs. */
const NOT_READ_MODELS =
  /^(events|streams|checkpoints|inbox|dead_letters|idempotency_keys|snapshots|kysely_.*|rate_.*|.*access_log.*)$/;

/** A digest of every read-model table of the schemas: rows in a stable order, hashed per table. */
export async function snapshotReadModels(
  databaseUrl: string,
  schemas: string[],
): Promise<Record<string, { rows: number; md5: string }>> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows: tables } = await db.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
      [schemas],
    );
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const { s, t } of tables) {
      if (NOT_READ_MODELS.test(t)) continue;
      const { rows } = await db.query<{ n: string; h: string | null }>(
        `SELECT count(*)::text AS n, md5(string_agg(r, E'\\n' ORDER BY r)) AS h
         FROM (SELECT row_to_json(x)::text AS r FROM "${s}"."${t}" x) y`,
      );
      out[`${s}.${t}`] = { rows: Number(rows[0]?.n ?? 0), md5: rows[0]?.h ?? '' };
    }
    return out;
  } finally {
    await db.end();
  }
}

/** The tables whose digests differ between two snapshots. */
export function differingTables(
  a: Record<string, { rows: number; md5: string }>,
  b: Record<string, { rows: number; md5: string }>,
): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (k) => a[k]?.md5 !== b[k]?.md5 || a[k]?.rows !== b[k]?.rows,
  );
}

/** The one line each scenario prints. */
export const summaryLine = (name: string, r: Report) =>
  `scenario ${name}: sent ${r.sent} applied ${r.applied} duplicates ${r.duplicates} order-violations ${r.orderViolations} dead-letters ${r.deadLetters}`;
