import type { LocalDate } from '@casework/contracts';
import { stillToProject } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { type RawBuilder, sql } from 'kysely';
import { statementsProjection } from './statements.js';

/**
 * Integer n ÷ d rounded half away from zero (the cent rounding of money), in SQL; n and d bigint, and
 * integer arithmetic only (`sign()` would go through a float).
 */
const halfUp = (n: RawBuilder<unknown>, d: RawBuilder<unknown>) =>
  sql`(CASE WHEN ${d} = 0 THEN 0
    WHEN (${n} < 0) <> (${d} < 0) THEN -((2 * abs(${n}) + abs(${d})) / (2 * abs(${d})))
    ELSE (2 * abs(${n}) + abs(${d})) / (2 * abs(${d})) END)::bigint`;

/**
 * Each statement's charges per service type (`parts`): its month's lines and the adjustments it carried,
 * with the state's share of each, for the statements in `st` (a CTE with statement_id, adjustments and
 * assessment_event, the MonthAssessed event holding the lines).
 */
const partsOf = (s: (t: string) => RawBuilder<unknown>) => sql`parts AS (
    SELECT statement_id, service_type, sum(assessed)::bigint AS assessed, sum(adjusted)::bigint AS adjusted,
      sum(assessed + adjusted)::bigint AS due, sum(state)::bigint AS state
    FROM (
      SELECT st.statement_id, l ->> 'serviceType' AS service_type, (l -> 'amount' ->> 'amountMinor')::bigint AS assessed,
        0::bigint AS adjusted, (l -> 'stateShare' ->> 'amountMinor')::bigint AS state
      FROM st JOIN ${s('events')} m ON m.event_id = st.assessment_event
        CROSS JOIN jsonb_array_elements(m.data -> 'lines') l
      UNION ALL
      SELECT st.statement_id, j.service_type, 0, j.amount, j.state_share
      FROM st JOIN ${s('adjustments')} j ON j.adjustment_id = ANY(st.adjustments)
    ) x GROUP BY statement_id, service_type)`;

/**
 * An amount settled on a statement, shared among its service types in proportion to what each is due
 * (integer shares; the cents left by truncation go to the largest), over the rows of `split` grouped by
 * the settlement's key.
 */
const shared = (key: RawBuilder<unknown>) => sql`shares AS (
    SELECT *, (raw + CASE WHEN row_number() OVER w = 1 THEN settled - sum(raw) OVER w ELSE 0 END)::bigint AS part
    FROM split
    WINDOW w AS (PARTITION BY ${key} ORDER BY abs(due) DESC, service_type
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))`;

export type FeesRow = {
  service_type: string | null;
  clients: number;
  assessed: string;
  adjusted: string;
  collected: string;
  overdue: string;
};

/**
 * A month's statements in some municipalities by service type (and the total: service_type null): what
 * they charge and what had been settled of it by the end of `asOf` (and recorded by `knownBy`, if given).
 */
export async function feesOfMonth(
  ctx: ServiceContext,
  q: { codes: readonly string[]; month: string; asOf: string; knownBy?: string },
): Promise<FeesRow[]> {
  const s = (t: string) => sql.id(ctx.store.schema, t);
  const { rows } = await sql<FeesRow>`WITH st AS (
      SELECT statement_id, client_id, due_on, assessed + adjusted AS net, adjustments, assessment_event
      FROM ${s('statements')} WHERE municipality = ANY(${q.codes}::text[]) AND month = ${q.month}),
    ${partsOf(s)},
    paid AS (
      SELECT statement_id, sum(amount)::bigint AS settled FROM ${s('settlements')}
      WHERE statement_id IN (SELECT statement_id FROM st) AND on_date <= ${q.asOf}::date
        ${q.knownBy ? sql`AND recorded_on <= ${q.knownBy}::date` : sql``}
      GROUP BY statement_id),
    split AS (
      SELECT p.*, st.client_id, st.due_on, coalesce(paid.settled, 0) AS settled,
        CASE WHEN st.net = 0 THEN 0 ELSE coalesce(paid.settled, 0) * p.due / st.net END AS raw
      FROM parts p JOIN st USING (statement_id) LEFT JOIN paid USING (statement_id)),
    ${shared(sql`statement_id`)}
    SELECT service_type, count(DISTINCT client_id) FILTER (WHERE due <> 0)::int AS clients,
      sum(assessed)::text AS assessed,
      sum(adjusted)::text AS adjusted, sum(part)::text AS collected,
      sum(CASE WHEN due_on < ${q.asOf}::date THEN due - part ELSE 0 END)::text AS overdue
    FROM shares GROUP BY GROUPING SETS ((service_type), ())
    ORDER BY service_type NULLS LAST`.execute(ctx.store.db);
  return rows;
}

export type RemittanceRow = {
  service_type: string | null;
  clients: number;
  collected: string;
  state: string;
};

/** A municipality's month of remittance: the money moved in [from, to], recorded in (after, through]. */
export type RemittanceWindow = {
  municipality: string;
  from: string;
  to: string;
  after: string;
  through: string;
};

/**
 * What a month's remittance carries in some municipalities, by service type, and the state's share of it
 * under each statement's tariffs: what was settled in the month (payments received, credit applied, less
 * reversals) and recorded by its remittance day, and what was settled earlier but recorded after the
 * previous remittance day (so late news is remitted once, with the next month, never lost).
 */
export async function remittedFor(
  ctx: ServiceContext,
  windows: readonly RemittanceWindow[],
): Promise<RemittanceRow[]> {
  const s = (t: string) => sql.id(ctx.store.schema, t);
  const col = (k: keyof RemittanceWindow) => windows.map((w) => w[k]);
  const { rows } = await sql<RemittanceRow>`WITH w AS (
      SELECT * FROM unnest(${col('municipality')}::text[], ${col('from')}::date[], ${col('to')}::date[],
        ${col('after')}::date[], ${col('through')}::date[]) AS w(municipality, from_d, to_d, after_d, through_d)),
    settled AS (
      SELECT x.statement_id, x.source_id, x.kind, x.client_id, x.amount FROM ${s('settlements')} x JOIN w USING (municipality)
      WHERE x.on_date BETWEEN w.from_d AND w.to_d AND x.recorded_on <= w.through_d
      UNION ALL
      SELECT x.statement_id, x.source_id, x.kind, x.client_id, x.amount FROM ${s('settlements')} x JOIN w USING (municipality)
      WHERE x.recorded_on > w.after_d AND x.recorded_on <= w.through_d AND x.on_date < w.from_d),
    st AS (
      SELECT statement_id, assessed + adjusted AS net, adjustments, assessment_event FROM ${s('statements')}
      WHERE statement_id IN (SELECT statement_id FROM settled)),
    ${partsOf(s)},
    split AS (
      SELECT p.*, x.source_id, x.kind, x.client_id, x.amount AS settled,
        CASE WHEN st.net = 0 THEN 0 ELSE x.amount * p.due / st.net END AS raw
      FROM settled x JOIN st USING (statement_id) JOIN parts p USING (statement_id)),
    ${shared(sql`statement_id, source_id, kind`)}
    SELECT service_type, count(DISTINCT client_id) FILTER (WHERE part <> 0)::int AS clients,
      sum(part)::text AS collected,
      sum(${halfUp(sql`part * state`, sql`due`)})::text AS state
    FROM shares GROUP BY GROUPING SETS ((service_type), ())
    ORDER BY service_type NULLS LAST`.execute(ctx.store.db);
  return rows;
}

export type SiteFigures = {
  site_id: string;
  service_type: string;
  funding: string | null;
  places: number;
  capacity_days: number;
  used_days: number;
};

/**
 * The sites of some municipalities open in a month [from, until): their places on its last day, the
 * place-days they offered (places × days open) and the days in service there (the admission day counts,
 * the day of leaving does not).
 */
export async function siteFiguresOfMonth(
  ctx: ServiceContext,
  q: { codes: readonly string[]; from: string; until: string },
): Promise<SiteFigures[]> {
  const s = (t: string) => sql.id(ctx.store.schema, t);
  const { rows } = await sql<SiteFigures>`WITH site AS (
      SELECT site_id, service_type, funding, coalesce(opened_on, ${q.from}::date) AS opened_on,
        coalesce(closed_on, ${q.until}::date) AS closed_on
      FROM ${s('sites')} WHERE municipality = ANY(${q.codes}::text[])
        AND (opened_on IS NULL OR opened_on < ${q.until}::date) AND (closed_on IS NULL OR closed_on > ${q.from}::date)),
    capacity AS (
      SELECT c.site_id, c.from_date, c.places,
        coalesce(lead(c.from_date) OVER (PARTITION BY c.site_id ORDER BY c.from_date), 'infinity'::date) AS until
      FROM ${s('site_capacities')} c WHERE c.site_id IN (SELECT site_id FROM site))
    SELECT site.site_id::text, site.service_type, site.funding,
      coalesce((SELECT c.places FROM capacity c WHERE c.site_id = site.site_id
        AND c.from_date < ${q.until}::date AND site.closed_on >= ${q.until}::date
        ORDER BY c.from_date DESC LIMIT 1), 0) AS places,
      coalesce((SELECT sum(c.places * greatest(0,
          least(c.until, site.closed_on, ${q.until}::date) - greatest(c.from_date, site.opened_on, ${q.from}::date)))
        FROM capacity c WHERE c.site_id = site.site_id), 0)::int AS capacity_days,
      coalesce((SELECT sum(greatest(0,
          least(coalesce(k.to_date, ${q.until}::date), ${q.until}::date) - greatest(k.from_date, ${q.from}::date)))
        FROM ${s('stays')} k WHERE k.site_id = site.site_id AND k.from_date < ${q.until}::date
          AND (k.to_date IS NULL OR k.to_date > ${q.from}::date)), 0)::int AS used_days
    FROM site ORDER BY site.site_id`.execute(ctx.store.db);
  return rows;
}

/**
 * Whether an event the statements read model takes, recorded by the end of `day` (Europe/Sofia, by the
 * event's own time, as a settlement's recording day is), is still to be taken: a report "final" after
 * that day would otherwise change once it is.
 */
export async function statementsPendingThrough(ctx: ServiceContext, day: LocalDate): Promise<boolean> {
  const schema = ctx.store.schema;
  const { rows } = await sql<{ pending: boolean }>`SELECT ${stillToProject(
    schema,
    statementsProjection(schema),
    sql`(e.metadata ->> 'time')::timestamptz < ((${day}::date + 1)::timestamp AT TIME ZONE 'Europe/Sofia')`,
  )} AS pending`.execute(ctx.store.db);
  return rows[0]!.pending;
}
