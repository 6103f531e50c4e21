import {
  AccountParams,
  AccountRecord,
  commandProblems,
  eur,
  PaymentPage,
  PaymentParams,
  PaymentRecord,
  PaymentsQuery,
  Problem,
  RecordPaymentBody,
  ReversePaymentBody,
  StatementParams,
} from '@casework/contracts';
import {
  assertMayAsk,
  causeOf,
  covers,
  decodeCursor,
  inTransaction,
  jurisdictionOf,
  notFound,
  principalOf,
  type ServiceContext,
  shown,
} from '@casework/service-kit';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { loadAccounts } from '../application/accountState.js';
import { recordPayment, reversePayment } from '../application/payments.js';
import { mergesAmong } from '../projections/mergeQueries.js';
import { paymentAccountOf, paymentsOf } from '../projections/paymentQueries.js';
import { statementAccountOf } from '../projections/statementQueries.js';
import { assertClientNamed } from './clientReaders.js';

const OFFICERS = ['billing_officer'] as const;
const READERS = ['billing_officer', 'case_manager', 'supervisor'] as const;

/** A statement's account, or 404 when it is not in the caller's jurisdiction. */
export async function statementAccount(ctx: ServiceContext, request: FastifyRequest, statementId: string) {
  const account = await statementAccountOf(ctx, statementId);
  if (!account || !covers(jurisdictionOf(principalOf(request)), account.municipality))
    throw notFound('the statement');
  return account;
}

/** Payments against statements, their reversals, and a client's account with a municipality. */
export const paymentRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  const record = async (paymentId: string) => (await paymentsOf(ctx, { paymentId }, 1)).items[0]!;

  app.post(
    '/v1/billing/statements/:statementId/payments',
    {
      config: { roles: OFFICERS },
      schema: {
        tags: ['billing'],
        summary:
          'Record a payment against a statement: it settles the statement, then the oldest still owed; ' +
          'the rest is credit for the next statements',
        params: StatementParams,
        body: RecordPaymentBody,
        response: { 201: PaymentRecord, ...commandProblems },
      },
    },
    async (request, reply) => {
      const { statementId } = request.params;
      const account = await statementAccount(ctx, request, statementId);
      const recorded = await inTransaction(ctx, (tx) =>
        recordPayment(
          ctx,
          tx,
          account,
          { statementId, ...request.body, bankLineKey: null },
          causeOf(request, account.municipality),
        ),
      );
      reply.status(201);
      return PaymentRecord.parse({
        ...recorded!,
        fromBank: false,
        reversed: null,
      } satisfies z.input<typeof PaymentRecord>);
    },
  );

  app.post(
    '/v1/billing/payments/:paymentId/reversal',
    {
      config: { roles: OFFICERS },
      schema: {
        tags: ['billing'],
        summary:
          'Reverse a payment (returned by the bank, recorded in error, refunded): what it settled is owed again',
        params: PaymentParams,
        body: ReversePaymentBody,
        response: { 200: PaymentRecord, ...commandProblems },
      },
    },
    async (request) => {
      const { paymentId } = request.params;
      const account = await paymentAccountOf(ctx, paymentId);
      if (!account || !covers(jurisdictionOf(principalOf(request)), account.municipality))
        throw notFound('the payment');
      const state = await reversePayment(
        ctx,
        account,
        { paymentId, ...request.body },
        causeOf(request, account.municipality),
      );
      const before = await record(paymentId);
      const payment = state.payments[paymentId]!;
      return {
        ...before,
        toCredit: eur(payment.toCredit),
        reversed: { on: request.body.reversedOn, reason: request.body.reason },
      };
    },
  );

  app.get(
    '/v1/billing/payments',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary: "Payments in the caller's jurisdiction, by municipality, client or statement, newest first",
        querystring: PaymentsQuery,
        response: { 200: PaymentPage, 400: Problem, 401: Problem, 403: Problem },
      },
    },
    async (request) => {
      const q = request.query;
      // a statement is one client's too
      assertClientNamed(request, q.clientId ?? q.statementId);
      const j = jurisdictionOf(principalOf(request));
      if (q.municipality) assertMayAsk(j, { municipality: q.municipality });
      const page = await paymentsOf(
        ctx,
        {
          jurisdiction: j,
          ...(q.municipality ? { municipality: q.municipality } : {}),
          ...(q.clientId ? { clientId: q.clientId } : {}),
          ...(q.statementId ? { statementId: q.statementId } : {}),
          ...(q.cursor ? { after: decodeCursor(q.cursor, 2)!.map(String) } : {}),
        },
        q.limit,
      );
      return shown(ctx, request, page);
    },
  );

  app.get(
    '/v1/billing/accounts/:municipality/:clientId',
    {
      config: { roles: READERS },
      schema: {
        tags: ['billing'],
        summary: "A client's account with a municipality: what each statement still owes, credit, arrears",
        params: AccountParams,
        response: { 200: AccountRecord, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { municipality, clientId } = request.params;
      assertMayAsk(jurisdictionOf(principalOf(request)), { municipality });
      // one person's account: the client's own and those of the records merged into it (a merged record
      // asked for itself is shown alone, and says where it is counted)
      const merges = await mergesAmong(ctx, ctx.store.db, [clientId]);
      const mergedInto = merges.survivorOf.get(clientId);
      const records = [clientId, ...(mergedInto ? [] : (merges.mergedInto.get(clientId) ?? []))];
      const accounts = (
        await loadAccounts(
          ctx,
          ctx.store.db,
          records.map((id) => ({ clientId: id, municipality })),
        )
      ).filter((a) => a.version > 0 && a.state.owner);
      if (accounts.length === 0) throw notFound('the account');
      const statements = accounts
        .flatMap(({ state }) =>
          Object.entries(state.statements).map(([statementId, s]) => ({
            statementId,
            clientId: state.owner!.clientId,
            month: s.month,
            dueOn: s.dueOn,
            totalDue: eur(s.totalDue),
            outstanding: eur(s.outstanding),
          })),
        )
        .sort((a, b) => a.month.localeCompare(b.month) || a.clientId.localeCompare(b.clientId));
      const mergedRecords = accounts.map((a) => a.state.owner!.clientId).filter((id) => id !== clientId);
      return shown(
        ctx,
        request,
        {
          clientId,
          municipality,
          owed: eur(statements.reduce((n, s) => n + s.outstanding.amountMinor, 0)),
          credit: eur(accounts.reduce((n, a) => n + a.state.credit, 0)),
          inArrears: accounts.some((a) => a.state.inArrears),
          statements,
          mergedRecords,
          ...(mergedInto ? { mergedInto } : {}),
        },
        { clients: [clientId, ...mergedRecords].map((id) => ({ clientId: id, municipality })) },
      );
    },
  );
};
