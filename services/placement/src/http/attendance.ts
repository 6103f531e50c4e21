import {
  AttendanceQuery,
  AttendanceRegister,
  commandProblems,
  daysBetween,
  Problem,
  RecordAttendanceBody,
  SiteParams,
} from '@casework/contracts';
import { badRequest, causeOf, type ServiceContext, shown } from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { recordAttendance } from '../application/attendance.js';
import { asKnown } from '../projections/knownAt.js';
import { visible, visibleSite } from './visible.js';

const STAFF = ['case_manager', 'supervisor'] as const;

/** A register shows the people of the site's municipality on it: a search of their records, logged. */
const attendedAt = (municipality: string, days: readonly { clientId: string }[]) => ({
  action: 'search' as const,
  clients: days.map((d) => ({ clientId: d.clientId, municipality })),
});

/** A day centre's register: who came on each day, against their weekly pattern. */
export const attendanceRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/sites/:siteId/attendance',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: "Record a day's attendance at a day service (a later record for a date corrects it)",
        params: SiteParams,
        body: RecordAttendanceBody,
        response: { 200: AttendanceRegister, ...commandProblems },
      },
    },
    async (request) => {
      const scope = visible(ctx, request);
      const { opened } = await scope.site(request.params.siteId);
      // each placement named is the caller's, or it reads as absent (never NOT_AT_SITE)
      for (const r of request.body.records) await scope.placement(r.placementId);
      const days = await recordAttendance(
        ctx,
        request.params.siteId,
        request.body.date,
        request.body.records,
        causeOf(request),
      );
      return shown(
        ctx,
        request,
        { siteId: request.params.siteId, days },
        attendedAt(opened.municipality, days),
      );
    },
  );

  app.get(
    '/v1/sites/:siteId/attendance',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['placement'],
        summary: 'The attendance recorded at a site over a period (at most 92 days)',
        params: SiteParams,
        querystring: AttendanceQuery,
        response: { 200: AttendanceRegister, 400: Problem, 401: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { from, to, knownAt } = request.query;
      if (to < from || daysBetween(from, to) > 92)
        throw badRequest('query.to', 'from 0 to 92 days after from');
      const { opened } = await visibleSite(ctx, request, request.params.siteId);
      const { rows } = await sql<{
        day: string;
        placement_id: string;
        client_id: string;
        attended: boolean;
        expected: boolean;
      }>`SELECT day::text, placement_id::text, client_id::text, attended, expected
        FROM ${asKnown(ctx.store.schema, 'attendance', knownAt)} AS a
        WHERE site_id = ${request.params.siteId}::uuid AND day BETWEEN ${from}::date AND ${to}::date
        ORDER BY a.day, a.placement_id`.execute(ctx.store.db);
      const days = rows.map((r) => ({
        date: r.day,
        placementId: r.placement_id,
        clientId: r.client_id,
        attended: r.attended,
        expected: r.expected,
      }));
      return shown(
        ctx,
        request,
        { siteId: request.params.siteId, days },
        attendedAt(opened.municipality, days),
      );
    },
  );
};
