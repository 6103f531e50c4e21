import { clientDirectoryMigration } from '@casework/client-directory';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Placement's tables beside its event store. Effective-dated rows carry both times (DESIGN §5): when
 * a fact held in the world (`valid_from`/`valid_to`) and when we learned it (`recorded_at`, and
 * `superseded_at` once a later event corrected it), so reads answer "as of D, as known at T".
 */
export const placementMigrations = (schema: string): Record<string, Migration> => ({
  ...clientDirectoryMigration(schema),
  '0300_placement': {
    async up(db) {
      const s = sql.id(schema);
      for (const statement of [
        // write side: which client's stream holds a placement (written with the admission)
        sql`CREATE TABLE ${s}.placement_index (placement_id uuid PRIMARY KEY, client_id uuid NOT NULL)`,
        sql`CREATE TABLE ${s}.sites (
          site_id uuid PRIMARY KEY,
          name text NOT NULL,
          service_type text NOT NULL,
          municipality text NOT NULL,
          oblast text NOT NULL,
          address text NOT NULL,
          provider text NOT NULL,
          funding text NOT NULL,
          opened_on date NOT NULL,
          closed_on date,
          recorded_at timestamptz NOT NULL
        )`,
        sql`CREATE INDEX sites_by_scope ON ${s}.sites (municipality, service_type, site_id)`,
        sql`CREATE INDEX sites_by_oblast ON ${s}.sites (oblast, municipality, service_type)`,
        sql`CREATE TABLE ${s}.site_suspensions (
          site_id uuid NOT NULL,
          valid_from date NOT NULL,
          valid_to date,
          reason text NOT NULL,
          PRIMARY KEY (site_id, valid_from)
        )`,
        sql`CREATE TABLE ${s}.site_capacity (
          site_id uuid NOT NULL,
          valid_from date NOT NULL,
          places int NOT NULL,
          recorded_at timestamptz NOT NULL,
          superseded_at timestamptz
        )`,
        sql`CREATE INDEX site_capacity_by_site ON ${s}.site_capacity (site_id, valid_from)`,
        // the capacity ledger: one row per version of a stay
        sql`CREATE TABLE ${s}.stays (
          placement_id uuid NOT NULL,
          site_id uuid NOT NULL,
          client_id uuid NOT NULL,
          service_type text NOT NULL,
          kind text NOT NULL,
          municipality text NOT NULL,
          valid_from date NOT NULL,
          valid_to date,
          recorded_at timestamptz NOT NULL,
          superseded_at timestamptz
        )`,
        sql`CREATE INDEX stays_by_site ON ${s}.stays (site_id, valid_from)`,
        sql`CREATE INDEX stays_by_placement ON ${s}.stays (placement_id) WHERE superseded_at IS NULL`,
        sql`CREATE TABLE ${s}.placements (
          placement_id uuid PRIMARY KEY,
          client_id uuid NOT NULL,
          site_id uuid NOT NULL,
          service_type text NOT NULL,
          kind text NOT NULL,
          municipality text NOT NULL,
          valid_from date NOT NULL,
          term_end date,
          weekdays int[],
          basis text NOT NULL,
          ended_on date,
          end_reason text,
          destination jsonb,
          transferred_from uuid,
          transferred_to uuid
        )`,
        sql`CREATE INDEX placements_by_client ON ${s}.placements (client_id, valid_from)`,
        sql`CREATE INDEX placements_by_site ON ${s}.placements (site_id, valid_from, placement_id)`,
        sql`CREATE INDEX placements_by_municipality ON ${s}.placements (municipality, valid_from, placement_id)`,
      ])
        await statement.execute(db);
    },
  },
  '0301_waiting_lists': {
    async up(db) {
      const s = sql.id(schema);
      for (const statement of [
        // what placement learned from intake and eligibility, to list eligible applications
        sql`CREATE TABLE ${s}.applications (
          application_id uuid PRIMARY KEY,
          client_id uuid NOT NULL,
          service_type text NOT NULL,
          municipality text NOT NULL,
          submitted_on date NOT NULL,
          referral_required boolean NOT NULL,
          referral_on date,
          open boolean NOT NULL DEFAULT true
        )`,
        sql`CREATE INDEX applications_by_client ON ${s}.applications (client_id, service_type) WHERE open`,
        sql`CREATE TABLE ${s}.eligibility (
          client_id uuid NOT NULL,
          service_type text NOT NULL,
          determination_id uuid NOT NULL,
          outcome text NOT NULL,
          valid_until date NOT NULL,
          PRIMARY KEY (client_id, service_type)
        )`,
        // write side: which entry an offer belongs to (written with the offer)
        sql`CREATE TABLE ${s}.offer_index (offer_id uuid PRIMARY KEY, entry_id uuid NOT NULL, site_id uuid NOT NULL)`,
        // the waiting lists, ordered at read time (points grow with the years on the list)
        sql`CREATE TABLE ${s}.waiting_list (
          entry_id uuid PRIMARY KEY,
          client_id uuid NOT NULL,
          service_type text NOT NULL,
          municipality text NOT NULL,
          oblast text NOT NULL,
          preferred_site_id uuid,
          listed_on date NOT NULL,
          priority_class text NOT NULL DEFAULT 'standard',
          crisis text,
          sheet jsonb,
          moved_to_end_on date,
          declines int NOT NULL DEFAULT 0,
          offer_id uuid,
          offer_site_id uuid,
          offer_status text,
          offer_expires_after date,
          admit_by date,
          removed_on date,
          removal_reason text
        )`,
        sql`CREATE INDEX waiting_list_by_scope ON ${s}.waiting_list (municipality, service_type) WHERE removed_on IS NULL`,
        sql`CREATE INDEX waiting_list_open_offers ON ${s}.waiting_list (offer_expires_after) WHERE offer_status = 'open'`,
        sql`CREATE INDEX waiting_list_by_oblast ON ${s}.waiting_list (oblast, municipality, service_type)`,
        // work a case manager must look at: nothing that happens to a placement happens silently
        sql`CREATE TABLE ${s}.tasks (
          task_id uuid PRIMARY KEY,
          kind text NOT NULL,
          client_id uuid NOT NULL,
          placement_id uuid,
          municipality text NOT NULL,
          opened_on date NOT NULL,
          detail text NOT NULL,
          caused_by uuid,
          closed_on date,
          closing_note text
        )`,
        sql`CREATE INDEX tasks_open ON ${s}.tasks (municipality, opened_on) WHERE closed_on IS NULL`,
      ])
        await statement.execute(db);
    },
  },
  '0302_absences_attendance': {
    async up(db) {
      const s = sql.id(schema);
      for (const statement of [
        sql`CREATE TABLE ${s}.absences (
          absence_id uuid PRIMARY KEY,
          placement_id uuid NOT NULL,
          client_id uuid NOT NULL,
          site_id uuid NOT NULL,
          municipality text NOT NULL,
          kind text NOT NULL,
          valid_from date NOT NULL,
          returned_on date
        )`,
        sql`CREATE INDEX absences_by_site ON ${s}.absences (site_id, valid_from)`,
        sql`CREATE TABLE ${s}.attendance (
          placement_id uuid NOT NULL,
          day date NOT NULL,
          client_id uuid NOT NULL,
          site_id uuid NOT NULL,
          municipality text NOT NULL,
          attended boolean NOT NULL,
          expected boolean NOT NULL,
          PRIMARY KEY (placement_id, day)
        )`,
        sql`CREATE INDEX attendance_by_site ON ${s}.attendance (site_id, day)`,
      ])
        await statement.execute(db);
    },
  },
  '0303_movements': {
    async up(db) {
      const s = sql.id(schema);
      // admissions, transfers and discharges, for the directorate's flows between housing types
      await sql`CREATE TABLE ${s}.movements (
        event_id uuid PRIMARY KEY,
        client_id uuid NOT NULL,
        oblast text NOT NULL,
        municipality text NOT NULL,
        kind text NOT NULL,
        on_date date NOT NULL,
        from_type text,
        to_type text,
        reason text,
        destination text,
        recorded_at timestamptz NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX movements_by_oblast ON ${s}.movements (oblast, on_date)`.execute(db);
    },
  },
  '0304_one_ledger_table': {
    async up(db) {
      const s = sql.id(schema);
      // the stays ledger's current rows are the placements' records and the directorate's movements:
      // one table where there were three, rebuilt from the log on the next start
      for (const statement of [
        sql`DROP TABLE ${s}.placements`,
        sql`DROP TABLE ${s}.movements`,
        sql`ALTER TABLE ${s}.stays ADD COLUMN term_end date, ADD COLUMN weekdays int[],
          ADD COLUMN basis text NOT NULL DEFAULT 'offer', ADD COLUMN transferred_from uuid, ADD COLUMN end_reason text,
          ADD COLUMN destination jsonb, ADD COLUMN transferred_to uuid`,
        sql`CREATE INDEX stays_current_by_client ON ${s}.stays (client_id, valid_from) WHERE superseded_at IS NULL`,
        sql`CREATE INDEX stays_current_by_municipality ON ${s}.stays (municipality, valid_from, placement_id)
          WHERE superseded_at IS NULL`,
        ...rebuildOnStart(schema, READ_MODELS),
      ])
        await statement.execute(db);
    },
  },
  '0305_renewals_respite_waiting_list_history': {
    async up(db) {
      const s = sql.id(schema);
      // stays keep their renewals and whether they are respite care; the waiting list is known at any time
      for (const statement of [
        sql`ALTER TABLE ${s}.stays ADD COLUMN renewals int NOT NULL DEFAULT 0,
          ADD COLUMN respite boolean NOT NULL DEFAULT false`,
        ...versioned(schema, 'waiting_list'),
        sql`CREATE INDEX waiting_list_history_by_scope ON ${s}.waiting_list_history (municipality, service_type, superseded_at)`,
        sql`CREATE INDEX waiting_list_history_by_oblast ON ${s}.waiting_list_history (oblast, superseded_at)`,
        ...rebuildOnStart(schema, [...READ_MODELS, 'waiting_list_history']),
      ])
        await statement.execute(db);
    },
  },
  '0306_tasks_attendance_history': {
    async up(db) {
      const s = sql.id(schema);
      // tasks (opened, then closed) and attendance (a later record corrects a day) known at any time too
      for (const statement of [
        ...versioned(schema, 'tasks'),
        sql`CREATE INDEX tasks_history_by_municipality ON ${s}.tasks_history (municipality, superseded_at)`,
        ...versioned(schema, 'attendance'),
        sql`CREATE INDEX attendance_history_by_site ON ${s}.attendance_history (site_id, day)`,
        ...rebuildOnStart(schema, [
          ...READ_MODELS,
          'waiting_list_history',
          'tasks_history',
          'attendance_history',
        ]),
      ])
        await statement.execute(db);
    },
  },
});

/**
 * A read-model table whose rows change in place, known at any time: each row carries when it was
 * recorded, and a trigger keeps every version a later event replaced in `<table>_history`, with the
 * time it was replaced (a column added to the table must be added to its history too).
 */
function versioned(schema: string, table: string) {
  const t = sql.id(schema, table);
  const history = sql.id(schema, `${table}_history`);
  const keep = sql.id(schema, `keep_${table}_version`);
  return [
    sql`ALTER TABLE ${t} ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT '-infinity',
      ADD COLUMN superseded_at timestamptz`,
    sql`CREATE TABLE ${history} (LIKE ${t})`,
    sql`CREATE FUNCTION ${keep}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        OLD.superseded_at := NEW.recorded_at;
        INSERT INTO ${history} SELECT OLD.*;
        RETURN NEW;
      END $fn$`,
    sql`CREATE TRIGGER ${sql.id(`${table}_versions`)} BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${keep}()`,
  ];
}

/**
 * Empties the read models and rewinds the projection, which fills them again from the log on start.
 * The checkpoint's lock first, as a live instance's batch takes it (ADR 10): the emptying waits for a
 * batch in flight, and the next batch finds the checkpoint rewound (never deleted) and replays.
 */
function rebuildOnStart(schema: string, tables: string[]) {
  return [
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${schema}.checkpoint.projection:placement`}, 0))`,
    sql`TRUNCATE ${sql.join(tables.map((t) => sql.id(schema, t)))}`,
    sql`UPDATE ${sql.id(schema, 'checkpoints')} SET transaction_id = '0'::xid8, global_position = 0
      WHERE subscription = 'projection:placement'`,
  ];
}

const READ_MODELS = [
  'sites',
  'site_capacity',
  'site_suspensions',
  'stays',
  'waiting_list',
  'tasks',
  'absences',
  'attendance',
];
