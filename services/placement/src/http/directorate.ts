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
  assertSeesWholeOblast,
  badRequest,
  jurisdictionOf,
  principalOf,
  type ServiceContext,
  sendCsv,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { pseudonymiser, reportingYear } from '../application/pseudonyms.js';
import { capacityByGroup, movementsIn, waitingByGroup } from '../projections/directorateQueries.js';

/** The regional view is the Directorate's (and national integrators'); it never names a person. */
const ANALYSTS = ['directorate_analyst', 'integrator'] as const;

export const directorateRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
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
      assertSeesWholeOblast(jurisdictionOf(principalOf(request)), q.oblast);
      const on = q.on ?? sofiaDate(ctx.clock());
      const knownAt = q.knownAt ?? ctx.clock().toISOString();
      const rows = await capacityByGroup(ctx, q.oblast, on, knownAt);
      const waiting = await waitingByGroup(ctx, q.oblast, on, q.knownAt);
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
          serviceType: r.service_type,
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
      assertSeesWholeOblast(jurisdictionOf(principalOf(request)), q.oblast);
      const codes = municipalitiesOf(q.oblast).map((m) => m.code);
      const rows = await movementsIn(ctx, codes, q.from, q.to, q.knownAt);
      // each movement under the pseudonym of its own year: a period spanning years (or two reports of
      // overlapping periods) must not link a person's movements of one year with those of another
      const movements = rows.map((r) => ({
        client: pseudonym(q.oblast, reportingYear(r.on_date), r.client_id),
        on: r.on_date,
        kind: r.kind,
        municipality: r.municipality,
        fromServiceType: r.from_type,
        toServiceType: r.to_type,
      }));
      if (q.format === 'csv') return sendCsv(reply, `movements-${q.oblast}-${q.from}-${q.to}`, movements);
      const flows = new Map<string, z.infer<typeof DirectorateFlows>['flows'][number]>();
      for (const r of rows) {
        const k = [r.kind, r.municipality, r.from_type, r.to_type, r.destination, r.reason].join('|');
        const f = flows.get(k) ?? {
          kind: r.kind,
          municipality: r.municipality,
          fromServiceType: r.from_type,
          toServiceType: r.to_type,
          destination: r.destination,
          reason: r.reason,
          count: 0,
        };
        f.count++;
        flows.set(k, f);
      }
      return { oblast: q.oblast, from: q.from, to: q.to, flows: [...flows.values()], movements };
    },
  );
};
