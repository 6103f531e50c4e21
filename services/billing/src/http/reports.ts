import {
  addDays,
  breaksRule,
  eur,
  FeesReport,
  FeesReportQuery,
  type Money,
  PlaceDaysReport,
  Problem,
  RemittanceReport,
  ReportQuery,
  type ServiceTypeCode,
  sofiaDate,
} from '@casework/contracts';
import {
  billingParameters,
  findMunicipality,
  findOblast,
  fundingStandard,
  municipalitiesOf,
  serviceType,
} from '@casework/reference-data';
import {
  assertMayAsk,
  assertSeesWholeOblast,
  badRequest,
  jurisdictionOf,
  MUNICIPAL_ROLES,
  principalOf,
  type ServiceContext,
  sendCsv,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { monthEnd, monthStart } from '../domain/billableDays.js';
import { withheld } from '../domain/disclosure.js';
import {
  feesOfMonth,
  remittedFor,
  siteFiguresOfMonth,
  statementsPendingThrough,
} from '../projections/reportQueries.js';

/** Billing officers report on their municipality; directorate analysts on their oblast; integrators on any. */
const REPORTERS = ['billing_officer', 'directorate_analyst', 'integrator'] as const;
// 422: a month before billing's first parameters took effect
const problems = { 400: Problem, 401: Problem, 403: Problem, 422: Problem };

/**
 * The municipalities a report covers, checked against the caller's jurisdiction (403 for one outside
 * it), and the smallest group it may show figures of: none for a municipality's own officers, the
 * strictest of the area's municipalities for anyone else.
 */
function areaOf(request: FastifyRequest, q: z.infer<typeof ReportQuery>) {
  const principal = principalOf(request);
  const j = jurisdictionOf(principal);
  const inside = principal.roles.some((r) => MUNICIPAL_ROLES.includes(r));
  // every place named is checked against the caller's scope first (403), then whether the query is whole
  if (q.municipality !== undefined) {
    if (!findMunicipality(q.municipality)) throw badRequest('query.municipality', 'no such municipality');
    assertMayAsk(j, { municipality: q.municipality });
  }
  if (q.oblast !== undefined) {
    if (!findOblast(q.oblast)) throw badRequest('query.oblast', 'no such oblast');
    assertMayAsk(j, { oblast: q.oblast });
  }
  if ((q.municipality === undefined) === (q.oblast === undefined))
    throw badRequest('query.municipality', 'give either municipality or oblast');
  // an oblast's figures are for those who see all of it, never for one of its municipalities
  if (q.oblast !== undefined) assertSeesWholeOblast(j, q.oblast);
  // outside the municipality a report is by oblast only: an oblast's figures less those of its
  // municipalities would give away the groups withheld from either
  if (q.municipality !== undefined && !inside)
    throw badRequest('query.municipality', 'outside the municipality, reports are by oblast');
  const codes = q.oblast !== undefined ? municipalitiesOf(q.oblast).map((m) => m.code) : [q.municipality!];
  const lastDay = addDays(monthEnd(q.month), -1);
  const minimum = inside
    ? null
    : Math.max(...codes.map((c) => billingParameters(c, lastDay).reportMinimumClients));
  const area = q.municipality !== undefined ? { municipality: q.municipality } : { oblast: q.oblast! };
  return { codes, area, minimum, name: q.municipality ?? q.oblast! };
}

/**
 * The day a fees report counts collections by: any day the municipality's own officers ask for (today by
 * default); outside it one fixed cut-off, the last day of the month after, and only once it has passed, so
 * that two days' reports cannot be subtracted to give one person's payment.
 */
function asOfFor(month: string, asked: string | undefined, minimum: number | null, today: string) {
  if (minimum === null) return asked ?? today;
  if (asked !== undefined) throw badRequest('query.asOf', 'outside the municipality the cut-off is fixed');
  const cutOff = addDays(monthEnd(monthEnd(month).slice(0, 7)), -1);
  if (cutOff >= today)
    throw breaksRule('REPORT_NOT_FINAL', `outside the municipality the month is reported after ${cutOff}`, {
      cutOff,
    });
  return cutOff;
}

/**
 * A report's rows by service type and its total (the query's row without a service type), each with its
 * money figures, or none where the disclosure rule withholds them.
 */
function byServiceType<
  R extends { service_type: string | null; clients: number },
  F extends Record<string, Money>,
>(found: readonly R[], minimum: number | null, figures: (r: R | undefined) => F) {
  const rows = found.filter((r) => r.service_type !== null);
  const total = found.find((r) => r.service_type === null);
  const clients = total?.clients ?? 0;
  const hidden =
    minimum === null ? { rows: rows.map(() => false), total: false } : withheld(rows, { clients }, minimum);
  const shown = (r: R | undefined, suppressed: boolean) => ({
    clients: r?.clients ?? 0,
    suppressed,
    ...(Object.fromEntries(Object.entries(figures(r)).map(([k, v]) => [k, suppressed ? null : v])) as {
      [K in keyof F]: Money | null;
    }),
  });
  return {
    rows: rows.map((r, i) => ({
      serviceType: r.service_type as ServiceTypeCode,
      ...shown(r, hidden.rows[i]!),
    })),
    total: shown(total, hidden.total),
  };
}

/** A money figure for a spreadsheet: euros with two decimals, from the integer cents (never a float). */
const decimal = (m: Money | null) => {
  if (m === null) return '';
  const sign = m.amountMinor < 0 ? '-' : '';
  const cents = String(Math.abs(m.amountMinor)).padStart(3, '0');
  return `${sign}${cents.slice(0, -2)}.${cents.slice(-2)}`;
};
const isMoney = (v: unknown): v is Money => v !== null && typeof v === 'object' && 'amountMinor' in v;
/** A report's rows for a spreadsheet: money in decimal units with a currency column, no value empty. */
const csvRows = (
  rows: readonly Record<string, unknown>[],
  currencyOf: (r: Record<string, unknown>) => string,
) =>
  rows.map((r) => ({
    ...Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        isMoney(v) ? decimal(v) : typeof v === 'boolean' ? String(v) : (v ?? ''),
      ]),
    ),
    currency: currencyOf(r),
  }));
/** The rows and the total of a report of euro figures. */
const withTotal = (report: { rows: readonly Record<string, unknown>[]; total: Record<string, unknown> }) =>
  csvRows([...report.rows, { serviceType: 'total', ...report.total }], () => 'EUR');

/** The day a municipality remits the state's share of the month before `monthStartOn`'s month. */
const remittanceDay = (municipality: string, monthStartOn: string) =>
  `${monthStartOn.slice(0, 7)}-${String(billingParameters(municipality, monthStartOn).remittanceDay).padStart(2, '0')}`;

/**
 * A report final after `day` is given outside the municipality only once the read model has counted
 * every payment recorded by then (it may lag its log): else a later answer would differ from this one.
 */
async function assertCounted(ctx: ServiceContext, month: string, day: string) {
  if (await statementsPendingThrough(ctx, day))
    throw breaksRule(
      'REPORT_NOT_FINAL',
      `what was recorded by ${day} is still being counted; ask again shortly`,
      { month, finalAfter: day },
    );
}

export const reportRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/billing/reports/fees',
    {
      config: { roles: REPORTERS },
      schema: {
        tags: ['billing'],
        summary:
          "Fees due, collected and uncollected on a month's statements, by service type, for a municipality " +
          'or an oblast (figures of groups too small to show a person withheld outside the municipality; CSV ' +
          'with format=csv)',
        querystring: FeesReportQuery,
        response: { 200: FeesReport, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { codes, area, minimum, name } = areaOf(request, q);
      const asOf = asOfFor(q.month, q.asOf, minimum, sofiaDate(ctx.clock()));
      // outside the municipality, what was known by the cut-off too: a payment recorded later, though
      // received before, would change a final report and show itself in the difference
      if (minimum !== null) await assertCounted(ctx, q.month, asOf);
      const found = await feesOfMonth(ctx, {
        codes,
        month: q.month,
        asOf,
        ...(minimum !== null ? { knownBy: asOf } : {}),
      });
      const shown = byServiceType(found, minimum, (r) => {
        const [assessed, adjusted, collected] = [r?.assessed, r?.adjusted, r?.collected].map((v) =>
          Number(v ?? 0),
        ) as [number, number, number];
        return {
          assessed: eur(assessed),
          adjusted: eur(adjusted),
          due: eur(assessed + adjusted),
          collected: eur(collected),
          uncollected: eur(assessed + adjusted - collected),
          overdue: eur(Number(r?.overdue ?? 0)),
        };
      });
      const report: FeesReport = {
        month: q.month,
        area,
        asOf,
        minimumClients: minimum,
        ...shown,
      };
      if (q.format === 'csv') return sendCsv(reply, `fees-${name}-${q.month}`, withTotal(report));
      return report;
    },
  );

  app.get(
    '/v1/billing/reports/remittance',
    {
      config: { roles: REPORTERS },
      schema: {
        tags: ['billing'],
        summary:
          "Fees collected in a month by service type and the state's share of them, to remit by the " +
          'remittance day of the next month (mixed services: only the state-funded part; CSV with format=csv)',
        querystring: ReportQuery,
        response: { 200: RemittanceReport, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { codes, area, minimum, name } = areaOf(request, q);
      const next = monthEnd(q.month);
      // each municipality's remittance day of the month after (and of this one: the previous window's end)
      const windows = codes.map((municipality) => ({
        municipality,
        from: monthStart(q.month),
        to: addDays(next, -1),
        after: remittanceDay(municipality, monthStart(q.month)),
        through: remittanceDay(municipality, next),
      }));
      // what is recorded until the remittance day still counts: outside the municipality a month is shown
      // only once it is final, so two days' figures cannot be subtracted to show one person's payment
      const final = windows.reduce((last, w) => (w.through > last ? w.through : last), '');
      if (minimum !== null && final >= sofiaDate(ctx.clock()))
        throw breaksRule(
          'REPORT_NOT_FINAL',
          "outside the municipality a month's remittance is reported once its remittance day has passed",
          { month: q.month, finalAfter: final },
        );
      if (minimum !== null) await assertCounted(ctx, q.month, final);
      const found = await remittedFor(ctx, windows);
      const shown = byServiceType(found, minimum, (r) => ({
        collected: eur(Number(r?.collected ?? 0)),
        stateShare: eur(Number(r?.state ?? 0)),
        municipalShare: eur(Number(r?.collected ?? 0) - Number(r?.state ?? 0)),
      }));
      const report: RemittanceReport = {
        month: q.month,
        area,
        // an oblast's municipalities may each set their own day: the earliest of them
        remitBy: windows.reduce((first, w) => (w.through < first ? w.through : first), final),
        minimumClients: minimum,
        ...shown,
      };
      if (q.format === 'csv') return sendCsv(reply, `remittance-${name}-${q.month}`, withTotal(report));
      return report;
    },
  );

  app.get(
    '/v1/billing/reports/place-days',
    {
      config: { roles: REPORTERS },
      schema: {
        tags: ['billing'],
        summary:
          'State-delegated services in a month: place-days used against capacity by service type, and the ' +
          'funding figure (places × the yearly standard per place for the year; CSV with format=csv)',
        querystring: ReportQuery,
        response: { 200: PlaceDaysReport, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { codes, area, name } = areaOf(request, q);
      const sites = await siteFiguresOfMonth(ctx, {
        codes,
        from: monthStart(q.month),
        until: monthEnd(q.month),
      });
      const byType = new Map<
        ServiceTypeCode,
        { sites: number; places: number; capacity: number; used: number }
      >();
      for (const site of sites) {
        const type = site.service_type as ServiceTypeCode;
        // a site billing learned of before it kept funding is funded as its service type by default
        const funding = site.funding ?? serviceType(type).defaultFunding;
        if (funding !== 'state_delegated' && funding !== 'mixed') continue;
        const t = byType.get(type) ?? { sites: 0, places: 0, capacity: 0, used: 0 };
        byType.set(type, {
          sites: t.sites + 1,
          places: t.places + site.places,
          capacity: t.capacity + site.capacity_days,
          used: t.used + site.used_days,
        });
      }
      const year = Number(q.month.slice(0, 4));
      const rows = [...byType]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, t]) => {
          const standard = fundingStandard(type, year)?.perPlace ?? null;
          return {
            serviceType: type,
            sites: t.sites,
            places: t.places,
            capacityPlaceDays: t.capacity,
            usedPlaceDays: t.used,
            occupancyPercent: t.capacity === 0 ? null : Math.round((t.used * 10_000) / t.capacity) / 100,
            standardPerPlace: standard,
            fundingFigure: standard && {
              amountMinor: t.places * standard.amountMinor,
              currency: standard.currency,
            },
          };
        });
      if (q.format === 'csv')
        return sendCsv(
          reply,
          `place-days-${name}-${q.month}`,
          csvRows(rows, (r) => (r.standardPerPlace as Money | null)?.currency ?? ''),
        );
      return { month: q.month, area, rows } satisfies PlaceDaysReport;
    },
  );
};
