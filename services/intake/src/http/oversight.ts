import { Caseload, CaseloadQuery, Problem } from '@casework/contracts';
import { jurisdictionOf, principalOf, type ServiceContext } from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { logAccess } from '../application/accessLog.js';
import { searchClients } from '../projections/clients.js';
import { STAFF } from './clients.js';

export const oversightRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/caseload',
    {
      // client summaries, 500 a page: limited per caller together with the client search
      config: { roles: STAFF, limit: 'search' },
      schema: {
        tags: ['intake'],
        summary: "A case manager's active clients (yours unless you name another)",
        description:
          'Limited per caller together with the client search (429 with Retry-After); each client shown ' +
          'is written to the access log.',
        querystring: CaseloadQuery,
        response: { 200: Caseload, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const caseManager = request.query.caseManager ?? principal.sub;
      const page = await searchClients(ctx.store.db, ctx.store.schema, jurisdictionOf(principal), {
        caseManager,
        includeInactive: false,
        limit: request.query.limit,
        cursor: request.query.cursor,
      });
      await logAccess(ctx, request, 'search', page.items);
      return { caseManager, ...page };
    },
  );
};
