import type { ClientSummary } from '@casework/contracts';
import type { Executor, Projection } from '@casework/eventstore';
import { decodeCursor, inJurisdiction, type Jurisdiction, pageOf } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { ClientEvent } from '../domain/client.js';

type Summary = z.infer<typeof ClientSummary>;

/** How names are compared: case-folded the Bulgarian way, spaces collapsed (search is by prefix). */
export const nameKey = (name: string) =>
  name.normalize('NFC').toLocaleLowerCase('bg').replace(/\s+/g, ' ').trim();

/** One client's change within a batch: the row to insert (registration) and the fields to set after. */
type Patch = {
  insert?: { municipality: string; birth_date: string; registered_on: string };
  set: {
    case_number?: string;
    given_name?: string;
    family_name?: string;
    given_key?: string;
    family_key?: string;
    birth_date?: string;
    municipality?: string;
    status?: 'active' | 'deceased' | 'merged';
    died_on?: string;
    case_manager?: string;
    merged_into?: string | null;
  };
  /** A merge undone: the status falls back to deceased or active, as the stored row says. */
  unmerged?: boolean;
};

/** Folds a batch, in log order, into one patch per client. */
export function patches(events: readonly ClientEvent[]): Map<string, Patch> {
  const all = new Map<string, Patch>();
  const of = (clientId: string) => {
    const p = all.get(clientId) ?? { set: {} };
    all.set(clientId, p);
    return p;
  };
  for (const e of events) {
    switch (e.type) {
      case 'ClientRegistered': {
        const d = e.data;
        of(d.clientId).insert = {
          municipality: d.municipality,
          birth_date: d.birthDate,
          registered_on: d.registeredOn,
        };
        break;
      }
      case 'ClientPersonalDetailsRecorded':
      case 'ClientPersonalDetailsCorrected': {
        const d = e.data;
        Object.assign(of(d.clientId).set, {
          given_name: d.givenName,
          family_name: d.familyName,
          given_key: nameKey(d.givenName),
          family_key: nameKey(d.familyName),
          ...('birthDate' in d ? { birth_date: d.birthDate } : {}),
          ...('caseNumber' in d && d.caseNumber ? { case_number: d.caseNumber } : {}),
        });
        break;
      }
      case 'ClientMoved':
        of(e.data.clientId).set.municipality = e.data.to;
        break;
      case 'ClientDied':
        Object.assign(of(e.data.clientId).set, { status: 'deceased', died_on: e.data.diedOn });
        break;
      case 'CaseManagerAssigned':
        of(e.data.clientId).set.case_manager = e.data.caseManager;
        break;
      case 'ClientMergedInto': {
        const p = of(e.data.clientId);
        Object.assign(p.set, { status: 'merged', merged_into: e.data.survivorId });
        p.unmerged = false;
        break;
      }
      case 'ClientMergeUndone': {
        const p = of(e.data.clientId);
        const { status: _, ...rest } = p.set;
        p.set = { ...rest, merged_into: null, ...(rest.died_on ? { status: 'deceased' as const } : {}) };
        p.unmerged = true;
        break;
      }
      default:
        break;
    }
  }
  return all;
}

/**
 * The client list behind search, caseloads and overdue lists: one row per client (intake's own
 * personal data). A batch is folded per client and written in two statements at most: the clients it
 * registers inserted whole, the others updated.
 */
export const clientsProjection = (schema: string): Projection => {
  const t = sql.id(schema, 'clients');
  return {
    name: 'clients',
    handles: [
      'ClientRegistered',
      'ClientPersonalDetailsRecorded',
      'ClientPersonalDetailsCorrected',
      'ClientMoved',
      'ClientDied',
      'CaseManagerAssigned',
      'ClientMergedInto',
      'ClientMergeUndone',
    ],
    async applyBatch(events, tx) {
      const all = patches(events.map((e) => ({ type: e.type, data: e.data }) as ClientEvent));
      // a client registered in this batch is inserted as the batch leaves it: one version of the row
      // and of its index entries, not an insert and then an update
      const inserts = [...all].flatMap(([client_id, p]) =>
        p.insert ? [{ client_id, ...p.insert, ...p.set, status: p.set.status ?? 'active' }] : [],
      );
      const inserted = new Set<string>();
      if (inserts.length > 0) {
        const { rows } = await sql<{ client_id: string }>`INSERT INTO ${t} (client_id, status, municipality,
            birth_date, registered_on, case_number, given_name, family_name, given_key, family_key, died_on,
            case_manager, merged_into)
          SELECT client_id, status, municipality, birth_date, registered_on, case_number,
            coalesce(given_name, ''), coalesce(family_name, ''), coalesce(given_key, ''), coalesce(family_key, ''),
            died_on, case_manager, merged_into
          FROM jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb)
            AS x(client_id uuid, status text, municipality text, birth_date date, registered_on date,
              case_number text, given_name text, family_name text, given_key text, family_key text, died_on date,
              case_manager text, merged_into uuid)
          ON CONFLICT (client_id) DO NOTHING RETURNING client_id::text`.execute(tx);
        for (const r of rows) inserted.add(r.client_id);
      }
      // the others, and a registration whose row was there already (its patch still applies)
      const updates = [...all].flatMap(([client_id, p]) =>
        !inserted.has(client_id.toLowerCase()) && (Object.keys(p.set).length > 0 || p.unmerged)
          ? [{ client_id, ...p.set, has: Object.keys(p.set), unmerged: p.unmerged ?? false }]
          : [],
      );
      if (updates.length === 0) return;
      // `has` lists the fields a patch sets, so a field set to null is told apart from one left alone
      const pick = (column: string) =>
        sql.raw(`CASE WHEN x.has ? '${column}' THEN x.${column} ELSE c.${column} END`);
      await sql`UPDATE ${t} AS c SET
          case_number = ${pick('case_number')}, given_name = ${pick('given_name')}, family_name = ${pick('family_name')},
          given_key = ${pick('given_key')}, family_key = ${pick('family_key')}, birth_date = ${pick('birth_date')},
          municipality = ${pick('municipality')}, died_on = ${pick('died_on')}, case_manager = ${pick('case_manager')},
          merged_into = ${pick('merged_into')},
          status = CASE WHEN x.has ? 'status' THEN x.status
            WHEN x.unmerged THEN CASE WHEN c.died_on IS NULL THEN 'active' ELSE 'deceased' END
            ELSE c.status END
        FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) AS x(client_id uuid, has jsonb, unmerged boolean,
          case_number text, given_name text, family_name text, given_key text, family_key text, birth_date date,
          municipality text, status text, died_on date, case_manager text, merged_into uuid)
        WHERE c.client_id = x.client_id`.execute(tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t}`.execute(tx);
    },
  };
};

type Row = {
  client_id: string;
  case_number: string | null;
  status: Summary['status'];
  given_name: string;
  family_name: string;
  given_key: string;
  family_key: string;
  birth_date: string;
  municipality: string;
  case_manager: string | null;
};

const toSummary = (r: Row): Summary => ({
  clientId: r.client_id,
  ...(r.case_number ? { caseNumber: r.case_number } : {}),
  status: r.status,
  givenName: r.given_name,
  familyName: r.family_name,
  birthDate: r.birth_date,
  municipality: r.municipality,
  ...(r.case_manager ? { caseManager: r.case_manager } : {}),
});

/** The jurisdiction as a filter: every read of the list goes through it (DESIGN §6). */

const COLUMNS = sql`client_id::text, case_number, status, given_name, family_name, given_key, family_key,
  birth_date::text, municipality, case_manager`;
const like = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export type ClientSearch = {
  clientIds?: string[];
  name?: string;
  caseNumber?: string;
  municipality?: string;
  caseManager?: string;
  includeInactive: boolean;
  limit: number;
  cursor?: string | undefined;
};

/**
 * Search within a jurisdiction, ordered by family name, given name, id. A name is the start of the
 * family name, optionally followed by the start of the given name ("Тестов Ив").
 */
export async function searchClients(ex: Executor, schema: string, j: Jurisdiction, q: ClientSearch) {
  const t = sql.id(schema, 'clients');
  const after = decodeCursor(q.cursor, 3);
  const [family, given] = q.name ? nameKey(q.name).split(' ', 2) : [];
  const where = [
    inJurisdiction(j, sql.ref('municipality')),
    q.includeInactive ? sql`status <> 'merged'` : sql`status = 'active'`,
    q.clientIds ? sql`client_id = ANY(${q.clientIds}::uuid[])` : undefined,
    family ? sql`family_key LIKE ${like(family)}` : undefined,
    given ? sql`given_key LIKE ${like(given)}` : undefined,
    q.caseNumber ? sql`case_number LIKE ${like(q.caseNumber.toUpperCase())}` : undefined,
    q.municipality ? sql`municipality = ${q.municipality}` : undefined,
    q.caseManager ? sql`case_manager = ${q.caseManager}` : undefined,
    after
      ? sql`(family_key, given_key, client_id) > (${after[0]}, ${after[1]}, ${after[2]}::uuid)`
      : undefined,
  ].filter((w) => w !== undefined);
  const { rows } = await sql<Row>`SELECT ${COLUMNS} FROM ${t} AS c WHERE ${sql.join(where, sql` AND `)}
    ORDER BY c.family_key, c.given_key, c.client_id LIMIT ${q.limit + 1}`.execute(ex);
  const page = pageOf(rows, q.limit, (r) => [r.family_key, r.given_key, r.client_id]);
  return { items: page.items.map(toSummary), ...(page.next ? { next: page.next } : {}) };
}
