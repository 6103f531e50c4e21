import {
  ClientDetailsCorrected,
  ClientDied,
  ClientDirectoryEntry,
  ClientIdParams,
  ClientMoved,
  ClientRegistered,
  ClientsMerged,
  ClientsUnmerged,
  Problem,
} from '@casework/contracts';
import type { ConsumerSpec } from '@casework/messaging';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { shown } from './accessLog.js';
import { principalOf } from './auth.js';
import type { Role } from './principal.js';
import { notFound } from './problems.js';
import { covers, type Jurisdiction, jurisdictionOf } from './scope.js';
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
  '0101_client_directory_lifecycle': {
    async up(db) {
      await sql`ALTER TABLE ${sql.id(schema)}.client_directory ADD COLUMN died_on date, ADD COLUMN merged_into uuid`.execute(
        db,
      );
    },
  },
  '0102_client_directory_merged_index': {
    async up(db) {
      await sql`CREATE INDEX client_directory_merged ON ${sql.id(schema)}.client_directory (merged_into)
        WHERE merged_into IS NOT NULL`.execute(db);
    },
  },
});

/**
 * Keeps the directory in step with intake: registrations, corrected birth dates, moves, deaths and
 * merges (a merged id points to its survivor until an unmerge). Each effect is idempotent.
 */
export const clientDirectoryConsumer = (ctx: ServiceContext): ConsumerSpec => {
  const t = sql.id(ctx.store.schema, 'client_directory');
  return {
    name: 'client-directory',
    sources: {
      intake: [
        ClientRegistered.name,
        ClientDetailsCorrected.name,
        ClientMoved.name,
        ClientDied.name,
        ClientsMerged.name,
        ClientsUnmerged.name,
      ],
    },
    handle: async (event, tx) => {
      switch (event.type) {
        case ClientRegistered.name: {
          const d = ClientRegistered.schema.parse(event.data);
          await sql`INSERT INTO ${t} (client_id, birth_date, sex, municipality, registered_on, source_event_id)
            VALUES (${d.clientId}::uuid, ${d.birthDate}::date, ${d.sex}, ${d.municipality}, ${d.registeredOn}::date,
              ${event.eventId}::uuid)
            ON CONFLICT (client_id) DO NOTHING`.execute(tx);
          return;
        }
        case ClientDetailsCorrected.name: {
          const d = ClientDetailsCorrected.schema.parse(event.data);
          await sql`UPDATE ${t} SET birth_date = ${d.birthDate}::date, sex = ${d.sex}
            WHERE client_id = ${d.clientId}::uuid`.execute(tx);
          return;
        }
        case ClientMoved.name: {
          const d = ClientMoved.schema.parse(event.data);
          await sql`UPDATE ${t} SET municipality = ${d.to} WHERE client_id = ${d.clientId}::uuid`.execute(tx);
          return;
        }
        case ClientDied.name: {
          const d = ClientDied.schema.parse(event.data);
          await sql`UPDATE ${t} SET died_on = ${d.diedOn}::date WHERE client_id = ${d.clientId}::uuid`.execute(
            tx,
          );
          return;
        }
        case ClientsMerged.name: {
          const d = ClientsMerged.schema.parse(event.data);
          await sql`UPDATE ${t} SET merged_into = ${d.survivorId}::uuid WHERE client_id = ${d.mergedId}::uuid`.execute(
            tx,
          );
          return;
        }
        case ClientsUnmerged.name: {
          const d = ClientsUnmerged.schema.parse(event.data);
          await sql`UPDATE ${t} SET merged_into = NULL
            WHERE client_id = ${d.mergedId}::uuid AND merged_into = ${d.survivorId}::uuid`.execute(tx);
          return;
        }
        default:
          return;
      }
    },
  };
};

type Row = {
  client_id: string;
  birth_date: string;
  sex: string;
  municipality: string;
  registered_on: string;
  died_on: string | null;
  merged_into: string | null;
};

export async function findDirectoryEntry(ctx: ServiceContext, clientId: string) {
  const { rows } =
    await sql<Row>`SELECT client_id::text, birth_date::text, sex, municipality, registered_on::text,
    died_on::text, merged_into::text
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
        ...(r.died_on ? { diedOn: r.died_on } : {}),
        ...(r.merged_into ? { mergedInto: r.merged_into } : {}),
      })
    : undefined;
}

/**
 * The client as the directory has them, if the jurisdiction covers their municipality; else the 404 of a
 * client that does not exist (the one lookup of a client id for every service keeping a directory).
 */
export async function visibleDirectoryEntry(ctx: ServiceContext, j: Jurisdiction, clientId: string) {
  const entry = await findDirectoryEntry(ctx, clientId);
  if (!entry || !covers(j, entry.municipality)) throw notFound('the client');
  return entry;
}

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
