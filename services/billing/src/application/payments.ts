import {
  breaksRule,
  type LocalDate,
  type Money,
  type MunicipalityCode,
  type PaymentMethod,
  type ReversalReason,
  sofiaDate,
} from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import { appendOf, type Cause, inTransaction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { type Account, type AccountCommand, type AccountEvent, accountDecider } from '../domain/account.js';
import { loadAccounts, snapshotAccountsDue } from './accountState.js';
import { definitions } from './events.js';

export type AccountRef = { clientId: string; municipality: MunicipalityCode };

/**
 * Decides a command on a client's account inside `tx` and appends what it decides. The caller runs it
 * in `inTransaction`, so a lost race is decided again on the new state.
 */
export async function decideOnAccount(
  ctx: ServiceContext,
  tx: Tx,
  account: AccountRef,
  command: AccountCommand,
  cause: Cause,
): Promise<{ state: Account; events: AccountEvent[] }> {
  const loaded = (await loadAccounts(ctx, tx, [account]))[0]!;
  const { streamId, version } = loaded;
  const events = accountDecider.decide(command, loaded.state);
  const state = events.reduce(accountDecider.evolve, loaded.state);
  if (events.length > 0) {
    await ctx.store.append(
      [appendOf(ctx, { streamId, streamType: 'account', version }, events, definitions, cause)],
      tx,
    );
    await snapshotAccountsDue(ctx, tx, [{ loaded, state, version: version + events.length }]);
  }
  return { state, events };
}

/**
 * Claims a bank line for one payment, whichever account it goes to; false when it was recorded before.
 * Written in the payment's transaction: two officers, or two overlapping files, cannot both record it.
 */
export async function claimBankLine(ctx: ServiceContext, tx: Tx, lineKey: string, paymentId: string) {
  const { rows } =
    await sql`INSERT INTO ${sql.id(ctx.store.schema, 'bank_line_payments')} (line_key, payment_id)
    VALUES (${lineKey}, ${paymentId}::uuid) ON CONFLICT (line_key) DO NOTHING RETURNING line_key`.execute(tx);
  return rows.length === 1;
}

export type PaymentInput = {
  statementId: string;
  amount: Money;
  receivedOn: LocalDate;
  method: z.infer<typeof PaymentMethod>;
  bankLineKey: string | null;
};

/** Records a payment on the account a statement belongs to; null when its bank line was recorded before. */
export async function recordPayment(
  ctx: ServiceContext,
  tx: Tx,
  account: AccountRef,
  payment: PaymentInput,
  cause: Cause,
) {
  if (payment.receivedOn > sofiaDate(ctx.clock()))
    throw breaksRule('RECEIVED_IN_FUTURE', 'a payment is recorded once received, not before', {
      receivedOn: payment.receivedOn,
    });
  const paymentId = ctx.newId();
  if (payment.bankLineKey !== null && !(await claimBankLine(ctx, tx, payment.bankLineKey, paymentId)))
    return null;
  const { events } = await decideOnAccount(
    ctx,
    tx,
    account,
    { type: 'RecordPayment', paymentId, ...payment },
    cause,
  );
  const recorded = events.find((e) => e.type === 'PaymentRecorded');
  return recorded ? recorded.data : null;
}

export async function reversePayment(
  ctx: ServiceContext,
  account: AccountRef,
  r: { paymentId: string; reversedOn: LocalDate; reason: z.infer<typeof ReversalReason> },
  cause: Cause,
) {
  if (r.reversedOn > sofiaDate(ctx.clock()))
    throw breaksRule('REVERSED_IN_FUTURE', 'a payment is reversed once it is, not before', {
      reversedOn: r.reversedOn,
    });
  return inTransaction(
    ctx,
    async (tx) => (await decideOnAccount(ctx, tx, account, { type: 'ReversePayment', ...r }, cause)).state,
  );
}
