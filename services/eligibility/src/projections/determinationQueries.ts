import type {
  DeterminationPage,
  MunicipalityCode,
  Outcome,
  ReevaluationJobs,
  ServiceTypeCode,
} from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, pageOf, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';

type Summary = z.infer<typeof DeterminationPage>['items'][number];
type Job = z.infer<typeof ReevaluationJobs>['items'][number];

/** Which current determinations a list asks for, within the caller's jurisdiction. */
export type DeterminationFilter = {
  jurisdiction: Jurisdiction;
  clientId?: string | undefined;
  serviceType?: ServiceTypeCode | undefined;
  /** The outcome in effect. */
  outcome?: z.infer<typeof Outcome> | undefined;
  municipality?: MunicipalityCode | undefined;
  after?: readonly (string | number)[] | undefined;
  limit: number;
};

/** A page of current determinations in client and service-type order, from the `determinations` read model. */
export async function listDeterminations(
  ctx: ServiceContext,
  f: DeterminationFilter,
): Promise<{ items: Summary[]; next?: string }> {
  const where = [
    inJurisdiction(f.jurisdiction, sql.ref('municipality')),
    f.clientId ? sql`client_id = ${f.clientId}::uuid` : undefined,
    f.serviceType ? sql`service_type = ${f.serviceType}` : undefined,
    f.outcome ? sql`effective_outcome = ${f.outcome}` : undefined,
    f.municipality ? sql`municipality = ${f.municipality}` : undefined,
    f.after ? sql`(client_id, service_type) > (${f.after[0]}::uuid, ${f.after[1]})` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<{
    client_id: string;
    service_type: Summary['serviceType'];
    determination_id: string;
    municipality: string;
    as_of: string;
    outcome: Summary['outcome'];
    effective_outcome: Summary['effectiveOutcome'];
    decreed_by: Summary['decreedBy'] | null;
    valid_until: string;
    rule_set_id: string;
    rule_set_version: number;
    missing: string[];
  }>`SELECT client_id::text, service_type, determination_id::text, municipality, as_of::text, outcome,
      effective_outcome, decreed_by, valid_until::text, rule_set_id, rule_set_version, missing
    FROM ${sql.id(ctx.store.schema, 'determinations')} AS d WHERE ${sql.join(where, sql` AND `)}
    ORDER BY d.client_id, d.service_type LIMIT ${f.limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, f.limit, (r) => [r.client_id, r.service_type]);
  return {
    items: page.items.map((r) => ({
      clientId: r.client_id,
      serviceType: r.service_type,
      determinationId: r.determination_id,
      municipality: r.municipality,
      asOf: r.as_of,
      outcome: r.outcome,
      effectiveOutcome: r.effective_outcome,
      ...(r.decreed_by ? { decreedBy: r.decreed_by } : {}),
      validUntil: r.valid_until,
      ruleSet: { ruleSetId: r.rule_set_id, version: r.rule_set_version },
      missing: r.missing,
    })),
    ...(page.next ? { next: page.next } : {}),
  };
}

/** The latest 200 re-evaluation jobs the caller's jurisdiction reaches (national ones for everyone). */
export async function listReevaluationJobs(ctx: ServiceContext, jurisdiction: Jurisdiction): Promise<Job[]> {
  const { rows } = await sql<{
    job_id: string;
    service_type: Job['serviceType'];
    municipality: string | null;
    reason: Job['reason'];
    due_on: string;
    evaluated: string;
    recorded: string;
    changed: string;
    started_at: Date | null;
    finished_at: Date | null;
  }>`SELECT job_id, service_type, municipality, reason, due_on::text, sum(evaluated)::text AS evaluated,
      sum(recorded)::text AS recorded, sum(changed)::text AS changed, min(started_at) AS started_at,
      CASE WHEN bool_and(finished_at IS NOT NULL) THEN max(finished_at) END AS finished_at
    FROM ${sql.id(ctx.store.schema, 'reevaluations')} AS r
    WHERE municipality IS NULL OR ${inJurisdiction(jurisdiction, sql.ref('municipality'))}
    GROUP BY job_id, service_type, municipality, reason, r.due_on
    ORDER BY r.due_on DESC, r.job_id LIMIT 200`.execute(ctx.store.db);
  return rows.map((r) => ({
    jobId: r.job_id,
    serviceType: r.service_type,
    municipality: r.municipality,
    reason: r.reason,
    dueOn: r.due_on,
    evaluated: Number(r.evaluated),
    recorded: Number(r.recorded),
    changed: Number(r.changed),
    status: r.finished_at ? 'finished' : r.started_at ? 'running' : 'scheduled',
  }));
}
