import { ClientDirectoryEntry, missing } from '@casework/contracts';
import { covers, type Jurisdiction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';

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
  const { rows } = await ctx.store.prepared(
    sql<Row>`SELECT client_id::text, birth_date::text, sex, municipality, registered_on::text,
    died_on::text, merged_into::text
    FROM ${sql.id(ctx.store.schema)}.client_directory WHERE client_id = ${clientId}::uuid`,
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
  if (!entry || !covers(j, entry.municipality)) throw missing('the client');
  return entry;
}
