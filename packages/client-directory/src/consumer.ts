import {
  ClientDetailsCorrected,
  ClientDied,
  ClientMoved,
  ClientRegistered,
  ClientsMerged,
  ClientsUnmerged,
} from '@casework/contracts';
import { type BatchHandler, type ConsumerSpec, type IncomingEvent, inRuns } from '@casework/messaging';
import type { ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

/**
 * Keeps the directory in step with intake: registrations, corrected birth dates, moves, deaths and
 * merges (a merged id points to its survivor until an unmerge). Each effect is idempotent.
 */
export const clientDirectoryConsumer = (ctx: ServiceContext): ConsumerSpec => {
  const t = sql.id(ctx.store.schema, 'client_directory');
  /** Registrations in one insert: each is a new row, kept once (a second delivery inserts nothing). */
  const register: BatchHandler = async (events, tx) => {
    const rows = events.map((event) => {
      const d = ClientRegistered.schema.parse(event.data);
      return {
        client_id: d.clientId,
        birth_date: d.birthDate,
        sex: d.sex,
        municipality: d.municipality,
        registered_on: d.registeredOn,
        source_event_id: event.eventId,
      };
    });
    await sql`INSERT INTO ${t} (client_id, birth_date, sex, municipality, registered_on, source_event_id)
      SELECT r.client_id, r.birth_date, r.sex, r.municipality, r.registered_on, r.source_event_id
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(client_id uuid, birth_date date, sex text,
        municipality text, registered_on date, source_event_id uuid)
      ON CONFLICT (client_id) DO NOTHING`.execute(tx);
  };
  const spec: ConsumerSpec = {
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
        case ClientRegistered.name:
          return register([event], tx);
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
    handleBatch: (events, tx) => inRuns(events, tx, isRegistration, register, spec.handle),
  };
  return spec;
};

export const isRegistration = (event: IncomingEvent) => event.type === ClientRegistered.name;
