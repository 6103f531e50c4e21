import type { ApplicationPage } from '@casework/contracts';
import type { Executor, Projection } from '@casework/eventstore';
import { decodeCursor, inJurisdiction, type Jurisdiction, pageOf } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { ApplicationEvent } from '../domain/application.js';
import type { NeedsEvent } from '../domain/needs.js';

/** Applications for listing and filtering (the full record, with documents, comes from its stream). */
export const applicationsProjection = (schema: string): Projection => {
  const t = sql.id(schema, 'applications');
  return {
    name: 'applications',
    handles: [
      'ApplicationSubmitted',
      'ReferralRecorded',
      'ApplicationWithdrawn',
      'ApplicationClosed',
      'NeedsAssessed',
    ],
    async apply(event, tx) {
      const e = { type: event.type, data: event.data } as ApplicationEvent | NeedsEvent;
      switch (e.type) {
        case 'NeedsAssessed': {
          // the first assessment made for the application is the one its deadline asked for (LEAST
          // skips NULLs)
          if (!e.data.applicationId) return;
          await sql`UPDATE ${t} SET assessed_on = LEAST(assessed_on, ${e.data.assessedOn}::date)
            WHERE application_id = ${e.data.applicationId}::uuid`.execute(tx);
          return;
        }
        case 'ApplicationSubmitted': {
          const d = e.data;
          await sql`INSERT INTO ${t} (application_id, client_id, service_type, municipality, status, submitted_on,
              assessment_due_by, referral_required)
            VALUES (${d.applicationId}::uuid, ${d.clientId}::uuid, ${d.serviceType}, ${d.municipality}, 'open',
              ${d.submittedOn}::date, ${d.assessmentDueBy}::date, ${d.referralRequired})
            ON CONFLICT (application_id) DO NOTHING`.execute(tx);
          return;
        }
        case 'ReferralRecorded': {
          const { applicationId, clientId: _, serviceType: __, ...referral } = e.data;
          await sql`UPDATE ${t} SET referral = ${JSON.stringify(referral)}::jsonb
            WHERE application_id = ${applicationId}::uuid`.execute(tx);
          return;
        }
        case 'ApplicationWithdrawn':
          await sql`UPDATE ${t} SET status = 'withdrawn', ended_on = ${e.data.withdrawnOn}::date
            WHERE application_id = ${e.data.applicationId}::uuid`.execute(tx);
          return;
        case 'ApplicationClosed':
          await sql`UPDATE ${t} SET status = 'closed', ended_on = ${e.data.closedOn}::date, outcome = ${e.data.outcome}
            WHERE application_id = ${e.data.applicationId}::uuid`.execute(tx);
          return;
        default:
          return;
      }
    },
    async reset(tx) {
      await sql`TRUNCATE ${t}`.execute(tx);
    },
  };
};

type Item = z.infer<typeof ApplicationPage>['items'][number];
type Row = {
  application_id: string;
  client_id: string;
  service_type: Item['serviceType'];
  municipality: string;
  status: Item['status'];
  submitted_on: string;
  assessment_due_by: string;
  assessed_on: string | null;
  referral_required: boolean;
  referral: Item['referral'] | null;
  ended_on: string | null;
  outcome: Item['outcome'] | null;
};

export type ApplicationSearch = {
  clientIds?: string[] | undefined;
  status?: string | undefined;
  serviceType?: string | undefined;
  municipality?: string | undefined;
  assessmentOverdueOn?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

/** Newest first, within the jurisdiction. */
export async function listApplications(ex: Executor, schema: string, j: Jurisdiction, q: ApplicationSearch) {
  const after = decodeCursor(q.cursor, 2);
  const where = [
    inJurisdiction(j, sql.ref('municipality')),
    q.clientIds ? sql`client_id = ANY(${q.clientIds}::uuid[])` : undefined,
    q.status ? sql`status = ${q.status}` : undefined,
    q.serviceType ? sql`service_type = ${q.serviceType}` : undefined,
    q.municipality ? sql`municipality = ${q.municipality}` : undefined,
    q.assessmentOverdueOn
      ? sql`status = 'open' AND assessment_due_by < ${q.assessmentOverdueOn}::date
          AND (assessed_on IS NULL OR assessed_on > ${q.assessmentOverdueOn}::date)`
      : undefined,
    after ? sql`(submitted_on, application_id) < (${after[0]}::date, ${after[1]}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } =
    await sql<Row>`SELECT application_id::text, client_id::text, service_type, municipality, status,
      submitted_on::text, assessment_due_by::text, assessed_on::text, referral_required, referral, ended_on::text, outcome
    FROM ${sql.id(schema, 'applications')} AS a WHERE ${sql.join(where, sql` AND `)}
    ORDER BY a.submitted_on DESC, a.application_id DESC LIMIT ${q.limit + 1}`.execute(ex);
  const page = pageOf(rows, q.limit, (r) => [r.submitted_on, r.application_id]);
  return {
    items: page.items.map(
      (r): Item => ({
        applicationId: r.application_id,
        clientId: r.client_id,
        serviceType: r.service_type,
        municipality: r.municipality,
        status: r.status,
        submittedOn: r.submitted_on,
        assessmentDueBy: r.assessment_due_by,
        ...(r.assessed_on ? { assessedOn: r.assessed_on } : {}),
        referralRequired: r.referral_required,
        ...(r.referral ? { referral: r.referral } : {}),
        ...(r.ended_on ? { endedOn: r.ended_on } : {}),
        ...(r.outcome ? { outcome: r.outcome } : {}),
      }),
    ),
    ...(page.next ? { next: page.next } : {}),
  };
}
