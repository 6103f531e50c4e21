import {
  CloseTaskBody,
  commandProblems,
  Problem,
  sofiaDate,
  TaskPage,
  TaskParams,
  TaskRecord,
  TasksQuery,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  decodeCursor,
  execute,
  inJurisdiction,
  jurisdictionOf,
  pageOf,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { z } from 'zod';
import { definitions, taskStream } from '../application/streams.js';
import { type Task, taskDecider } from '../domain/task.js';
import { asKnown } from '../projections/knownAt.js';
import { visible } from './visible.js';

const STAFF = ['case_manager', 'supervisor'] as const;

const view = (t: Task): z.infer<typeof TaskRecord> => {
  const { taskId, kind, clientId, placementId, municipality, on, detail } = t.opened!;
  return {
    taskId,
    kind,
    clientId,
    ...(placementId ? { placementId } : {}),
    municipality,
    openedOn: on,
    detail,
    ...(t.closedOn ? { closedOn: t.closedOn } : {}),
  };
};

/** Open on a date (closed after it, or not at all), or open now. */
const openOn = (asOf: string | undefined) =>
  asOf ? sql`(closed_on IS NULL OR closed_on > ${asOf}::date)` : sql`closed_on IS NULL`;

/** Tasks placement opened for case managers (lapsed eligibility, a move, an absence past the limit). */
export const taskRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/tasks',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: "Tasks in the caller's municipality, oldest first",
        querystring: TasksQuery,
        response: { 200: TaskPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      const j = jurisdictionOf(principalOf(request));
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const after = decodeCursor(q.cursor, 2);
      const where = [
        inJurisdiction(j, sql.ref('municipality')),
        q.municipality ? sql`municipality = ${q.municipality}` : undefined,
        q.clientId ? sql`client_id = ${q.clientId}::uuid` : undefined,
        q.asOf ? sql`opened_on <= ${q.asOf}::date` : undefined,
        // open or closed on the date asked, else now
        q.open === undefined ? undefined : q.open ? openOn(q.asOf) : sql`NOT (${openOn(q.asOf)})`,
        after ? sql`(opened_on, task_id) > (${after[0]}::date, ${after[1]}::uuid)` : undefined,
      ].filter((w) => w !== undefined);
      const { rows } = await sql<{
        task_id: string;
        kind: string;
        client_id: string;
        placement_id: string | null;
        municipality: string;
        opened_on: string;
        detail: string;
        closed_on: string | null;
        closing_note: string | null;
      }>`SELECT task_id::text, kind, client_id::text, placement_id::text, municipality, opened_on::text, detail,
          closed_on::text, closing_note
        FROM ${asKnown(ctx.store.schema, 'tasks', q.knownAt)} AS t WHERE ${sql.join(where, sql` AND `)}
        ORDER BY t.opened_on, t.task_id LIMIT ${q.limit + 1}`.execute(ctx.store.db);
      const page = pageOf(rows, q.limit, (r) => [r.opened_on, r.task_id]);
      return shown(ctx, request, {
        items: page.items.map((r) => ({
          taskId: r.task_id,
          kind: r.kind as never,
          clientId: r.client_id,
          ...(r.placement_id ? { placementId: r.placement_id } : {}),
          municipality: r.municipality,
          openedOn: r.opened_on,
          detail: r.detail,
          ...(r.closed_on ? { closedOn: r.closed_on } : {}),
          ...(r.closing_note ? { closingNote: r.closing_note } : {}),
        })),
        ...(page.next ? { next: page.next } : {}),
      });
    },
  );

  app.post(
    '/v1/tasks/:taskId/close',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'Close a task with a note of what was done',
        params: TaskParams,
        body: CloseTaskBody,
        response: { 200: TaskRecord, ...commandProblems },
      },
    },
    async (request) => {
      await visible(ctx, request).task(request.params.taskId);
      const r = await execute(ctx, {
        streamId: taskStream(request.params.taskId),
        streamType: 'task',
        decider: taskDecider,
        definitions,
        command: {
          type: 'Close',
          on: sofiaDate(ctx.clock()),
          note: request.body.note,
          by: principalOf(request).sub,
        },
        cause: causeOf(request),
      });
      return shown(ctx, request, { ...view(r.state), closingNote: request.body.note });
    },
  );
};
