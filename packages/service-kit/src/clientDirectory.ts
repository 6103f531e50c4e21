import { ClientDirectoryEntry, ClientIdParams, ClientRegistered } from '@casework/contracts';
import type { ConsumerSpec } from '@casework/messaging';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { notFound } from './problems.js';
import { covers, jurisdictionOf } from './scope.js';
import type { ServiceContext } from './serviceModule.js';

/**
 * The directory of clients that eligibility, placement and billing keep from intake's events: no
 * personal data, only what their rules need. One implementation, hosted in each consuming schema.
 */
export const clientDirectoryMigration = (schema: string): Record<string, Migration> => ({
  '0100_client_directory': {
    async up(db) {
      await sql`CREATE TABLE ${sql.id(schema)}.client_directory (
        client_id uuid PRIMARY KEY,
        birth_date date NOT NULL,
        sex text NOT NULL,
        municipality text NOT NULL,
        registered_on date NOT NULL,
        source_event_id uuid NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX client_directory_municipality ON ${sql.id(schema)}.client_directory (municipality)`.execute(
        db,
      );
    },
  },
});

export const clientDirectoryConsumer = (ctx: ServiceContext): ConsumerSpec => ({
  name: 'client-directory',
  sources: { intake: [ClientRegistered.name] },
  handle: async (event, tx) => {
    const d = ClientRegistered.schema.parse(event.data);
    await sql`INSERT INTO ${sql.id(ctx.store.schema)}.client_directory
      (client_id, birth_date, sex, municipality, registered_on, source_event_id)
      VALUES (${d.clientId}::uuid, ${d.birthDate}::date, ${d.sex}, ${d.municipality}, ${d.registeredOn}::date,
        ${event.eventId}::uuid)
      ON CONFLICT (client_id) DO NOTHING`.execute(tx);
  },
});

type Row = {
  client_id: string;
  birth_date: string;
  sex: string;
  municipality: string;
  registered_on: string;
};

export async function findDirectoryEntry(ctx: ServiceContext, clientId: string) {
  const { rows } =
    await sql<Row>`SELECT client_id::text, birth_date::text, sex, municipality, registered_on::text
    FROM ${sql.id(ctx.store.schema)}.client_directory WHERE client_id = ${clientId}::uuid`.execute(
      ctx.store.db,
    );
  const r = rows[0];
  return r
    ? ClientDirectoryEntry.parse({
        clientId: r.client_id,
        birthDate: r.birth_date,
        sex: r.sex,
        municipality: r.municipality,
        registeredOn: r.registered_on,
      })
    : undefined;
}

/** `GET /v1/<service>/clients/{clientId}`: the service's own view of a client, within the caller's scope. */
export const clientDirectoryRoutes =
  (prefix: string): FastifyPluginAsyncZod<{ ctx: ServiceContext }> =>
  async (app, { ctx }) => {
    app.get(
      `/v1/${prefix}/clients/:clientId`,
      {
        schema: {
          tags: [prefix],
          summary: `A client as ${prefix} knows them (from intake's events; no personal data)`,
          params: ClientIdParams,
          response: { 200: ClientDirectoryEntry },
        },
      },
      async (request) => {
        const entry = await findDirectoryEntry(ctx, request.params.clientId);
        if (!entry || !covers(jurisdictionOf(request.principal!), entry.municipality)) {
          throw notFound(`client ${request.params.clientId}`);
        }
        return entry;
      },
    );
  };
