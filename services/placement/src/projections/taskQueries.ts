import type { TaskKind, TaskPage } from '@casework/contracts';
import { inJurisdiction, type Jurisdiction, pageOf, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { asKnown } from './knownAt.js';

/** Which tasks a list asks for, within the caller's jurisdiction. */
export type TaskFilter = {
  jurisdiction: Jurisdiction;
  municipality?: string | undefined;
  clientId?: string | undefined;
  /** Opened by this date, and open or closed on it (else now). */
  asOf?: string | undefined;
  open?: boolean | undefined;
  knownAt?: string | undefined;
  after?: readonly (string | number)[] | undefined;
  limit: number;
};

/** Open on a date (closed after it, or not at all), or open now. */
const openOn = (asOf: string | undefined) =>
  asOf ? sql`(closed_on IS NULL OR closed_on > ${asOf}::date)` : sql`closed_on IS NULL`;

/** A page of tasks, oldest first, from the tasks read model (as recorded by `knownAt` when given). */
export async function listTasks(ctx: ServiceContext, f: TaskFilter): Promise<z.infer<typeof TaskPage>> {
  const where = [
    inJurisdiction(f.jurisdiction, sql.ref('municipality')),
    f.municipality ? sql`municipality = ${f.municipality}` : undefined,
    f.clientId ? sql`client_id = ${f.clientId}::uuid` : undefined,
    f.asOf ? sql`opened_on <= ${f.asOf}::date` : undefined,
    f.open === undefined ? undefined : f.open ? openOn(f.asOf) : sql`NOT (${openOn(f.asOf)})`,
    f.after ? sql`(opened_on, task_id) > (${f.after[0]}::date, ${f.after[1]}::uuid)` : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<{
    task_id: string;
    kind: z.infer<typeof TaskKind>;
    client_id: string;
    placement_id: string | null;
    municipality: string;
    opened_on: string;
    detail: string;
    closed_on: string | null;
    closing_note: string | null;
  }>`SELECT task_id::text, kind, client_id::text, placement_id::text, municipality, opened_on::text, detail,
      closed_on::text, closing_note
    FROM ${asKnown(ctx.store.schema, 'tasks', f.knownAt)} AS t WHERE ${sql.join(where, sql` AND `)}
    ORDER BY t.opened_on, t.task_id LIMIT ${f.limit + 1}`.execute(ctx.store.db);
  const page = pageOf(rows, f.limit, (r) => [r.opened_on, r.task_id]);
  return {
    items: page.items.map((r) => ({
      taskId: r.task_id,
      kind: r.kind,
      clientId: r.client_id,
      ...(r.placement_id ? { placementId: r.placement_id } : {}),
      municipality: r.municipality,
      openedOn: r.opened_on,
      detail: r.detail,
      ...(r.closed_on ? { closedOn: r.closed_on } : {}),
      ...(r.closing_note ? { closingNote: r.closing_note } : {}),
    })),
    ...(page.next ? { next: page.next } : {}),
  };
}
