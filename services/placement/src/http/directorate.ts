import {
  DirectorateFlows,
  DirectorateFlowsQuery,
  DirectorateOccupancy,
  DirectorateOccupancyQuery,
  Problem,
  sofiaDate,
} from '@casework/contracts';
import { municipalitiesOf } from '@casework/reference-data';
import {
  assertMayAsk,
  badRequest,
  jurisdictionOf,
  principalOf,
  type ServiceContext,
  sendCsv,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { z } from 'zod';
import { pseudonymiser, reportingYear } from '../application/pseudonyms.js';
import { asKnown, recordedBy } from '../projections/knownAt.js';
import { figuresOn } from './sites.js';

/** The regional view is the Directorate's (and national integrators'); it never names a person. */
const ANALYSTS = ['directorate_analyst', 'integrator'] as const;

export const directorateRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const s = (t: string) => sql.id(ctx.store.schema, t);
  // stable within an oblast and a reporting year, across requests and restarts; keyed with a key of their
  // own so no one can go back from them to the client, nor link them across oblasts or years
  const pseudonym = pseudonymiser(ctx.secrets.identifierKey);

  app.get(
    '/v1/directorate/occupancy',
    {
      config: { roles: ANALYSTS },
      schema: {
        tags: ['placement'],
        summary:
          'An oblast on a date: capacity, occupancy and vacancies by municipality and service type, with ' +
          'waiting-list sizes and median days waiting (as known at a time; CSV with format=csv)',
        querystring: DirectorateOccupancyQuery,
        response: { 200: DirectorateOccupancy, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request, reply) => {
      const q = request.query;
      assertMayAsk(jurisdictionOf(principalOf(request)), { oblast: q.oblast });
      const on = q.on ?? sofiaDate(ctx.clock());
      const knownAt = q.knownAt ?? ctx.clock().toISOString();
      const { rows } = await sql<{
        municipality: string;
        service_type: string;
        sites: number;
        places: number;
        occupied: number;
        overdue: number;
      }>`SELECT s.municipality, s.service_type, count(*)::int AS sites, sum(coalesce(cap.places, 0))::int AS places,
          sum(occ.n)::int AS occupied, sum(occ.overdue)::int AS overdue
        FROM ${s('sites')} s
        ${figuresOn(ctx.store.schema, sql`s.site_id`, sql`${on}::date`, knownAt)}
        WHERE s.oblast = ${q.oblast} AND s.opened_on <= ${on}::date AND (s.closed_on IS NULL OR s.closed_on > ${on}::date)
          AND s.recorded_at <= ${knownAt}::timestamptz
        GROUP BY s.municipality, s.service_type`.execute(ctx.store.db);
      const { rows: waiting } = await sql<{
        municipality: string;
        service_type: string;
        waiting: number;
        median: number | null;
      }>`SELECT municipality, service_type, count(*)::int AS waiting,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY ${on}::date - listed_on) AS median
        FROM ${asKnown(ctx.store.schema, 'waiting_list', q.knownAt)} AS w
        WHERE oblast = ${q.oblast} AND listed_on <= ${on}::date AND (removed_on IS NULL OR removed_on > ${on}::date)
        GROUP BY municipality, service_type`.execute(ctx.store.db);
      const key = (r: { municipality: string; service_type: string }) =>
        `${r.municipality}|${r.service_type}`;
      const merged = new Map(rows.map((r) => [key(r), { ...r, waiting: 0, median: null as number | null }]));
      for (const w of waiting) {
        const m = merged.get(key(w)) ?? { ...w, sites: 0, places: 0, occupied: 0, overdue: 0 };
        merged.set(key(w), { ...m, waiting: w.waiting, median: w.median });
      }
      const out = [...merged.values()]
        .sort((a, b) => key(a).localeCompare(key(b)))
        .map((r) => ({
          municipality: r.municipality,
          serviceType: r.service_type as never,
          sites: r.sites,
          places: r.places,
          occupied: r.occupied,
          vacancies: Math.max(0, r.places - r.occupied),
          waiting: r.waiting,
          medianDaysWaiting: r.median === null ? null : Number(r.median),
          reviewsOverdue: r.overdue,
        }));
      if (q.format === 'csv') return sendCsv(reply, `occupancy-${q.oblast}-${on}`, out);
      return { oblast: q.oblast, on, rows: out };
    },
  );

  app.get(
    '/v1/directorate/flows',
    {
      config: { roles: ANALYSTS },
      schema: {
        tags: ['placement'],
        summary:
          'Admissions, transfers and discharges in an oblast over a period: the flows between housing types ' +
          'and each movement with the client as a pseudonym, one per oblast and year of the movement, whatever ' +
          'period is asked, so a person cannot be linked across oblasts or years (CSV of the movements with ' +
          'format=csv)',
        querystring: DirectorateFlowsQuery,
        response: { 200: DirectorateFlows, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.to < q.from) throw badRequest('query.to', 'must not be before from');
      assertMayAsk(jurisdictionOf(principalOf(request)), { oblast: q.oblast });
      // the ledger's rows as known then (default: the current ones): a stay begins with an admission or
      // a transfer and ends with a discharge (a transfer's end is the next stay's beginning)
      const codes = municipalitiesOf(q.oblast).map((m) => m.code);
      const { rows } = await sql<{
        client_id: string;
        on_date: string;
        kind: 'admission' | 'transfer' | 'discharge';
        municipality: string;
        from_type: string | null;
        to_type: string | null;
        reason: string | null;
        destination: string | null;
      }>`WITH current AS (SELECT * FROM ${s('stays')} k WHERE ${recordedBy('k', q.knownAt)} AND municipality = ANY(${codes}::text[]))
        SELECT client_id::text, valid_from::text AS on_date,
            CASE WHEN basis = 'transfer' THEN 'transfer' ELSE 'admission' END AS kind, municipality,
            (SELECT p.service_type FROM ${s('stays')} p WHERE p.placement_id = c.transferred_from
              AND ${recordedBy('p', q.knownAt)}) AS from_type,
            service_type AS to_type, NULL AS reason, NULL AS destination, placement_id
          FROM current c WHERE valid_from BETWEEN ${q.from}::date AND ${q.to}::date
        UNION ALL
        SELECT client_id::text, valid_to::text, 'discharge', municipality, service_type,
            CASE WHEN destination->>'kind' = 'service_type' THEN destination->>'serviceType' END, end_reason,
            destination->>'kind', placement_id
          FROM current WHERE valid_to BETWEEN ${q.from}::date AND ${q.to}::date
            AND end_reason <> 'moved_to_other_service'
        ORDER BY 2, 9, 3`.execute(ctx.store.db);
      // each movement under the pseudonym of its own year: a period spanning years (or two reports of
      // overlapping periods) must not link a person's movements of one year with those of another
      const movements = rows.map((r) => ({
        client: pseudonym(q.oblast, reportingYear(r.on_date), r.client_id),
        on: r.on_date,
        kind: r.kind,
        municipality: r.municipality,
        fromServiceType: r.from_type as never,
        toServiceType: r.to_type as never,
      }));
      if (q.format === 'csv') return sendCsv(reply, `movements-${q.oblast}-${q.from}-${q.to}`, movements);
      const flows = new Map<string, z.infer<typeof DirectorateFlows>['flows'][number]>();
      for (const r of rows) {
        const k = [r.kind, r.municipality, r.from_type, r.to_type, r.destination, r.reason].join('|');
        const f = flows.get(k) ?? {
          kind: r.kind,
          municipality: r.municipality,
          fromServiceType: r.from_type as never,
          toServiceType: r.to_type as never,
          destination: r.destination,
          reason: r.reason as never,
          count: 0,
        };
        f.count++;
        flows.set(k, f);
      }
      return { oblast: q.oblast, from: q.from, to: q.to, flows: [...flows.values()], movements };
    },
  );
};
