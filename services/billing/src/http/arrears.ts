import {
  type ArrearsItem,
  ArrearsPage,
  ArrearsQuery,
  ArrearsReview,
  ArrearsReviewParams,
  commandProblems,
  eur,
  Problem,
  sofiaDate,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  decodeCursor,
  jurisdictionOf,
  pageOf,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { reviewArrears } from '../application/arrears.js';
import { arrearsOn } from '../projections/arrearsQueries.js';

const DAY_MS = 86_400_000;
const ageOf = (days: number): ArrearsItem['age'] =>
  days <= 30 ? '1-30' : days <= 60 ? '31-60' : days <= 90 ? '61-90' : 'over_90';

/** Who owes past a due date, how much and for how long; the review that reports arrears past the law's months. */
export const arrearsRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/v1/billing/arrears',
    {
      // a list of people and what they owe is the billing office's: case managers and supervisors read a
      // client's own statements (DOMAIN §1, issue 17's roles)
      config: { roles: ['billing_officer'] },
      schema: {
        tags: ['billing'],
        summary: "A municipality's clients owing past a due date, with the months, the amount and its age",
        querystring: ArrearsQuery,
        response: { 200: ArrearsPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality: q.municipality });
      const asOf = q.asOf ?? sofiaDate(ctx.clock());
      const rows = await arrearsOn(
        ctx,
        q.municipality,
        asOf,
        q.limit,
        q.cursor ? String(decodeCursor(q.cursor, 1)![0]) : undefined,
      );
      const page = pageOf(rows, q.limit, (r) => [r.client_id]);
      const items = page.items.map((r) => {
        const daysOverdue = Math.round((Date.parse(asOf) - Date.parse(r.oldest_due_on)) / DAY_MS);
        return {
          clientId: r.client_id,
          months: r.months,
          owed: eur(Number(r.owed)),
          oldestDueOn: r.oldest_due_on,
          daysOverdue,
          age: ageOf(daysOverdue),
          reported: r.reported,
        };
      });
      return shown(
        ctx,
        request,
        { asOf, ...page, items },
        { clients: items.map((i) => ({ clientId: i.clientId, municipality: q.municipality })) },
      );
    },
  );

  app.post(
    '/v1/billing/arrears/:municipality/review',
    {
      config: { roles: ['billing_officer'] },
      schema: {
        tags: ['billing'],
        summary:
          'Review arrears today: a client owing for more months of state-funded services than the law ' +
          'allows is reported (placement opens a task), one back within them is settled. Also runs daily.',
        params: ArrearsReviewParams,
        response: { 200: ArrearsReview, ...commandProblems },
      },
    },
    async (request) => {
      const { municipality } = request.params;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality });
      const on = sofiaDate(ctx.clock());
      const r = await reviewArrears(ctx, { municipality, on, cause: causeOf(request, municipality) });
      return { municipality, on, ...r };
    },
  );
};
