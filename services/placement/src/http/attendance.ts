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
import { recordAttendance } from '../application/attendance.js';
import { attendanceAt } from '../projections/attendanceQueries.js';
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
      const opened = await scope.checkSite(request.params.siteId);
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
      const days = await attendanceAt(ctx, request.params.siteId, from, to, knownAt);
      return shown(
        ctx,
        request,
        { siteId: request.params.siteId, days },
        attendedAt(opened.municipality, days),
      );
    },
  );
};
