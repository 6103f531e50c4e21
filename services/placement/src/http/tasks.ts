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
  jurisdictionOf,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { definitions, taskStream } from '../application/streams.js';
import { type Task, taskDecider } from '../domain/task.js';
import { listTasks } from '../projections/taskQueries.js';
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
      const page = await listTasks(ctx, {
        ...q,
        jurisdiction: j,
        after: decodeCursor(q.cursor, 2),
      });
      return shown(ctx, request, page);
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
