import { ClientDirectoryEntry, ClientIdParams, Problem } from '@casework/contracts';
import { jurisdictionOf, principalOf, type Role, type ServiceContext, shown } from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { visibleDirectoryEntry } from './queries.js';

/**
 * Who reads a service's directory: the staff of the client's municipality whose work needs it (case
 * managers and supervisors; in billing also its officers). An entry holds no name or identifier, but
 * a birth date, sex and municipality with a client id still single a person out: never the directorate's
 * analysts (who see pseudonyms only), nor integrators (who read clients from intake, where each read is
 * logged).
 */
export const DIRECTORY_READERS = {
  eligibility: ['case_manager', 'supervisor'],
  placement: ['case_manager', 'supervisor'],
  billing: ['case_manager', 'supervisor', 'billing_officer'],
} as const satisfies Record<string, readonly Role[]>;

/** `GET /v1/<service>/clients/{clientId}`: the service's own view of a client, within the caller's scope. */
export const clientDirectoryRoutes =
  (
    prefix: keyof typeof DIRECTORY_READERS,
    roles: readonly Role[] = DIRECTORY_READERS[prefix],
  ): FastifyPluginAsyncZod<{ ctx: ServiceContext }> =>
  async (app, { ctx }) => {
    app.get(
      `/v1/${prefix}/clients/:clientId`,
      {
        config: { roles },
        schema: {
          tags: [prefix],
          summary: `A client as ${prefix} knows them (from intake's events; no personal data)`,
          params: ClientIdParams,
          response: { 200: ClientDirectoryEntry, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
        },
      },
      async (request) => {
        // outside the caller's municipality a client reads exactly as one that does not exist
        const entry = await visibleDirectoryEntry(
          ctx,
          jurisdictionOf(principalOf(request)),
          request.params.clientId,
        );
        // a birth date, sex and date of death with the client id single a person out: a read, logged
        return shown(ctx, request, entry);
      },
    );
  };
