import type { Projection, RecordedEvent, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import { answerDigest, type EligibilityEvent } from '../domain/clientEligibility.js';
import type { RuleSetEvent } from '../domain/ruleSet.js';
import { JOB_PARTS, reachOf } from './coveredQueries.js';

/** One row of `determinations` as a batch leaves it; absent fields keep their stored value. */
type Patch = {
  client_id: string;
  service_type: string;
  determination_id?: string;
  municipality?: string;
  application_id?: string | null;
  as_of?: string;
  outcome?: string;
  effective_outcome?: string;
  decreed_by?: string | null;
  valid_until?: string;
  rule_set_id?: string;
  rule_set_version?: number;
  missing?: string[];
  answer?: string;
};

/** Folds a batch of determination events into one patch per client and service type, in log order. */
export function patches(events: readonly EligibilityEvent[]): Patch[] {
  const out = new Map<string, Patch>();
  const patch = (clientId: string, serviceType: string) => {
    const key = `${clientId}|${serviceType}`;
    const p = out.get(key) ?? { client_id: clientId, service_type: serviceType };
    out.set(key, p);
    return p;
  };
  for (const e of events) {
    switch (e.type) {
      case 'EligibilityDetermined': {
        const d = e.data;
        Object.assign(patch(d.clientId, d.serviceType), {
          determination_id: d.determinationId,
          municipality: d.municipality,
          application_id: d.applicationId ?? null,
          as_of: d.asOf,
          outcome: d.outcome,
          valid_until: d.validUntil,
          rule_set_id: d.ruleSet.ruleSetId,
          rule_set_version: d.ruleSet.version,
          missing: d.missing,
          answer: answerDigest(d),
        });
        break;
      }
      // a won appeal decrees the outcome only where it binds (not after a move elsewhere), and says so
      // with an EligibilityChanged by 'appeal': the resolution itself changes no row
      case 'EligibilityChanged':
        Object.assign(patch(e.data.clientId, e.data.serviceType), {
          effective_outcome: e.data.to,
          decreed_by: e.data.by === 'determination' ? null : e.data.by,
        });
        break;
      case 'EligibilityOverridden':
        Object.assign(patch(e.data.clientId, e.data.serviceType), { decreed_by: 'override' });
        break;
      default:
        break;
    }
  }
  return [...out.values()];
}

const FIELDS = [
  'determination_id',
  'municipality',
  'application_id',
  'as_of',
  'outcome',
  'effective_outcome',
  'decreed_by',
  'valid_until',
  'rule_set_id',
  'rule_set_version',
  'missing',
  'answer',
] as const;

async function applyRuleSetEvent(schema: string, e: RuleSetEvent, eventId: string, tx: Tx) {
  const t = sql.id(schema, 'rule_sets');
  const jobs = sql.id(schema, 'reevaluations');
  const d = e.data;
  switch (e.type) {
    case 'RuleSetDrafted':
      await sql`INSERT INTO ${t} (rule_set_id, version, service_type, municipality, status, validity_months, criteria)
        VALUES (${d.ruleSetId}, ${d.version}, ${d.serviceType}, ${d.municipality}, 'draft', ${e.data.validityMonths},
          ${JSON.stringify(e.data.criteria)}::jsonb)
        ON CONFLICT DO NOTHING`.execute(tx);
      return;
    case 'RuleSetPublished':
    case 'RuleSetRetired': {
      const published = e.type === 'RuleSetPublished';
      const on = published ? e.data.effectiveFrom : e.data.retiredFrom;
      await sql`UPDATE ${t} SET status = ${published ? 'published' : 'retired'},
          ${sql.ref(published ? 'effective_from' : 'retired_from')} = ${on}::date
        WHERE rule_set_id = ${d.ruleSetId} AND version = ${d.version}`.execute(tx);
      // from that date, every determination the change may touch is evaluated again (none can rest on
      // a national rule set before its first version)
      if (published && d.municipality === null && d.version === 1) return;
      // in parts of about as many clients each: ranges between the quartiles of the ids within reach
      // now (later clients fall in one range or another); a replayed event finds its job already there
      const jobId = `${d.ruleSetId}@${d.version}:${published ? 'published' : 'retired'}`;
      const edges = Array.from({ length: JOB_PARTS - 1 }, (_, k) => (k + 1) / JOB_PARTS);
      // it starts once every transaction with an earlier id has ended: one that read the rules of before
      // took its id before this one (see RuleSets), and has then committed what it decided, for the job
      // to see
      await sql`INSERT INTO ${jobs} (job_id, service_type, municipality, reason, due_on, caused_by, part, cursor, until,
          hold_until)
        SELECT ${jobId}, ${d.serviceType},
          ${d.municipality}, ${published ? 'rule_set_published' : 'rule_set_retired'}, ${on}::date, ${eventId}::uuid,
          i - 1, e.edges[i], e.edges[i + 1], pg_current_xact_id()
        FROM (SELECT ARRAY[NULL::uuid] || coalesce(percentile_disc(${edges}::float8[]) WITHIN GROUP (ORDER BY client_id),
            '{}'::uuid[]) || ARRAY[NULL::uuid] AS edges
          FROM ${sql.id(schema, 'determinations')}
          WHERE ${reachOf({ serviceType: d.serviceType, municipality: d.municipality })}) AS e,
          generate_series(1, cardinality(e.edges) - 1) AS i
        WHERE NOT EXISTS (SELECT 1 FROM ${jobs} WHERE job_id = ${jobId})`.execute(tx);
      return;
    }
  }
}

/**
 * Eligibility's read models: the current determination per client and service type (folded per batch),
 * the rule sets, and the re-evaluation jobs a rule-set change schedules. Being one projection, a job
 * never sees a determinations table older than the event that scheduled it.
 */
export const eligibilityProjection = (schema: string): Projection => {
  const t = sql.id(schema, 'determinations');
  return {
    name: 'eligibility',
    handles: [
      'RuleSetDrafted',
      'RuleSetPublished',
      'RuleSetRetired',
      'EligibilityDetermined',
      'EligibilityChanged',
      'EligibilityOverridden',
      'OverrideJustified',
      'AppealLodged',
      'AppealResolved',
    ],
    async applyBatch(events: RecordedEvent[], tx) {
      const determinationEvents: EligibilityEvent[] = [];
      // each client's stream version as of this batch's last event of it
      const streamVersions = new Map<string, number>();
      for (const ev of events) {
        if (ev.type.startsWith('RuleSet')) {
          await applyRuleSetEvent(schema, { type: ev.type, data: ev.data } as RuleSetEvent, ev.eventId, tx);
        } else {
          const e = { type: ev.type, data: ev.data } as EligibilityEvent;
          determinationEvents.push(e);
          streamVersions.set(e.data.clientId, ev.streamPosition);
        }
      }
      const rows = patches(determinationEvents);
      if (streamVersions.size === 0) return;
      const json = JSON.stringify(
        rows.map((r) => ({
          ...r,
          has: FIELDS.filter((f) => r[f] !== undefined),
          stream_version: streamVersions.get(r.client_id),
        })),
      );
      const recordset = sql`jsonb_to_recordset(${json}::jsonb) AS r(client_id uuid, service_type text,
        determination_id uuid, municipality text, application_id uuid, as_of date, outcome text,
        effective_outcome text, decreed_by text, valid_until date, rule_set_id text, rule_set_version int,
        missing text[], answer text, stream_version bigint, has text[])`;
      // existing rows take only the fields the batch set; new rows take everything (their effective
      // outcome is the computed one until an EligibilityChanged says otherwise)
      await sql`UPDATE ${t} AS d SET ${sql.join(
        FIELDS.map(
          (f) =>
            sql`${sql.ref(f)} = CASE WHEN ${f} = ANY(r.has) THEN r.${sql.ref(f)} ELSE d.${sql.ref(f)} END`,
        ),
      )}, stream_version = r.stream_version
        FROM ${recordset} WHERE d.client_id = r.client_id AND d.service_type = r.service_type`.execute(tx);
      await sql`INSERT INTO ${t} (client_id, service_type, determination_id, municipality, application_id, as_of,
          outcome, effective_outcome, decreed_by, valid_until, rule_set_id, rule_set_version, missing, answer,
          stream_version)
        SELECT r.client_id, r.service_type, r.determination_id, r.municipality, r.application_id, r.as_of, r.outcome,
          coalesce(r.effective_outcome, r.outcome), r.decreed_by, r.valid_until, r.rule_set_id, r.rule_set_version,
          coalesce(r.missing, '{}'), r.answer, r.stream_version
        FROM ${recordset}
        WHERE r.determination_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${t} x WHERE x.client_id = r.client_id AND x.service_type = r.service_type)`.execute(
        tx,
      );
      // a client's other rows (another service type) are as current as its stream too
      await sql`UPDATE ${t} AS d SET stream_version = v.version
        FROM unnest(${[...streamVersions.keys()]}::uuid[], ${[...streamVersions.values()]}::bigint[]) AS v(client_id, version)
        WHERE d.client_id = v.client_id AND d.stream_version < v.version`.execute(tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t}, ${sql.id(schema, 'rule_sets')}`.execute(tx);
    },
  };
};
