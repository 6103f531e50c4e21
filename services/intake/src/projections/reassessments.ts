import { daysBetween, type OverdueReassessment } from '@casework/contracts';
import type { Executor, Projection } from '@casework/eventstore';
import { decodeCursor, inJurisdiction, type Jurisdiction, pageOf } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { NeedsEvent } from '../domain/needs.js';

/** Per client, the latest needs assessment and when it must be repeated. */
export const reassessmentsProjection = (schema: string): Projection => {
  const t = sql.id(schema, 'reassessments');
  return {
    name: 'reassessments',
    handles: ['NeedsAssessed'],
    async apply(event, tx) {
      const e = { type: event.type, data: event.data } as NeedsEvent;
      if (e.type !== 'NeedsAssessed') return;
      const d = e.data;
      // a backdated assessment older than the latest one does not move the due date
      await sql`INSERT INTO ${t} AS r (client_id, assessment_id, last_assessed_on, reassessment_due)
        VALUES (${d.clientId}::uuid, ${d.assessmentId}::uuid, ${d.assessedOn}::date, ${d.reassessmentDue}::date)
        ON CONFLICT (client_id) DO UPDATE SET assessment_id = excluded.assessment_id,
          last_assessed_on = excluded.last_assessed_on, reassessment_due = excluded.reassessment_due
        WHERE excluded.last_assessed_on >= r.last_assessed_on`.execute(tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t}`.execute(tx);
    },
  };
};

type Item = z.infer<typeof OverdueReassessment>;
type Row = {
  client_id: string;
  municipality: string;
  case_manager: string | null;
  last_assessed_on: string;
  reassessment_due: string;
};

/** Active clients whose reassessment date has passed on `asOf`, the most overdue first. */
export async function overdueReassessments(
  ex: Executor,
  schema: string,
  j: Jurisdiction,
  q: {
    asOf: string;
    caseManager?: string | undefined;
    municipality?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const after = decodeCursor(q.cursor, 2);
  const where = [
    sql`r.reassessment_due < ${q.asOf}::date`,
    sql`c.status = 'active'`,
    inJurisdiction(j, sql.ref('c.municipality')),
    q.caseManager ? sql`c.case_manager = ${q.caseManager}` : undefined,
    q.municipality ? sql`c.municipality = ${q.municipality}` : undefined,
    after ? sql`(r.reassessment_due, r.client_id) > (${after[0]}::date, ${after[1]}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<Row>`SELECT r.client_id::text, c.municipality, c.case_manager,
      r.last_assessed_on::text, r.reassessment_due::text
    FROM ${sql.id(schema, 'reassessments')} r JOIN ${sql.id(schema, 'clients')} c USING (client_id)
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY r.reassessment_due, r.client_id LIMIT ${q.limit + 1}`.execute(ex);
  const page = pageOf(rows, q.limit, (r) => [r.reassessment_due, r.client_id]);
  return {
    items: page.items.map(
      (r): Item => ({
        clientId: r.client_id,
        municipality: r.municipality,
        ...(r.case_manager ? { caseManager: r.case_manager } : {}),
        lastAssessedOn: r.last_assessed_on,
        reassessmentDue: r.reassessment_due,
        daysOverdue: daysBetween(r.reassessment_due, q.asOf),
      }),
    ),
    ...(page.next ? { next: page.next } : {}),
  };
}
