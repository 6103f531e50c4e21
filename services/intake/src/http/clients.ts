import { ClientIdParams, ClientRecord, Problem, RegisterClientBody } from '@casework/contracts';
import {
  causeOf,
  covers,
  forbidden,
  jurisdictionOf,
  notFound,
  type ServiceContext,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { loadClient, registerClient } from '../application/clients.js';
import type { Client } from '../domain/client.js';

const STAFF = ['case_manager', 'supervisor'] as const;

const record = (s: Extract<Client, { status: 'registered' }>, version: number): ClientRecord => ({
  clientId: s.clientId,
  identifierKind: s.identifierKind,
  givenName: s.givenName,
  familyName: s.familyName,
  birthDate: s.birthDate,
  sex: s.sex,
  municipality: s.municipality,
  registeredOn: s.registeredOn,
  version,
});

export const clientRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/v1/clients',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: 'Register a person (ЕГН or ЛНЧ); the same person twice is 409 with a link to the record',
        body: RegisterClientBody,
        response: { 201: ClientRecord, 400: Problem, 401: Problem, 403: Problem, 409: Problem },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (!covers(jurisdictionOf(principal), request.body.municipality)) {
        throw forbidden(`no access to municipality ${request.body.municipality}`);
      }
      const { clientId, version, state } = await registerClient(
        ctx,
        request.body,
        causeOf(request, request.body.municipality),
      );
      if (state.status !== 'registered') throw new Error('registration produced no client');
      reply.status(201).header('location', `/v1/clients/${clientId}`).header('etag', `"${version}"`);
      return record(state, version);
    },
  );

  app.get(
    '/v1/clients/:clientId',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['intake'],
        summary: "A client's personal record (staff of the owning municipality only)",
        params: ClientIdParams,
        response: { 200: ClientRecord, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      const { state, version } = await loadClient(ctx, request.params.clientId);
      if (state.status !== 'registered' || !covers(jurisdictionOf(request.principal!), state.municipality)) {
        throw notFound(`client ${request.params.clientId}`);
      }
      reply.header('etag', `"${version}"`);
      return record(state, version);
    },
  );
};
