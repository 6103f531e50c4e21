import { z } from 'zod';
import { MunicipalityCode } from '../../codes.js';
import { defineEvent } from '../../eventCatalogue.js';
import { CalendarDate } from '../../localDate.js';
import { Money } from '../../money.js';
import { ClientId } from '../intake/clients.js';
import { Month } from './siteCosts.js';

export const PaymentId = z.uuid();
export const PaymentMethod = z.enum(['bank_transfer', 'cash', 'card', 'postal_order']);

/** Part of a payment set against one statement (or, reversed, put back on it). */
export const Allocation = z.object({ statementId: z.uuid(), amount: Money });

const account = { clientId: ClientId, municipality: MunicipalityCode };

export const PaymentRecorded = defineEvent({
  service: 'billing',
  name: 'PaymentRecorded',
  version: 1,
  published: true,
  description:
    'A payment against a statement: it settles that statement first, then the oldest statements still ' +
    "owed, and what is left is the client's credit, set against the next statements.",
  schema: z
    .object({
      ...account,
      paymentId: PaymentId,
      statementId: z.uuid().meta({ description: 'The statement the payment was made for' }),
      amount: Money,
      receivedOn: CalendarDate,
      method: PaymentMethod,
      bankLineKey: z
        .string()
        .nullable()
        .meta({ description: 'The bank statement line it came from: one line is never recorded twice' }),
      allocations: z.array(Allocation),
      toCredit: Money.meta({ description: 'What was left over, carried as credit' }),
    })
    .meta({ id: 'PaymentRecorded' }),
});

export const ReversalReason = z.enum(['returned_by_bank', 'recorded_in_error', 'refunded']);

export const PaymentReversed = defineEvent({
  service: 'billing',
  name: 'PaymentReversed',
  version: 1,
  published: true,
  description:
    'A payment undone: what it settled is owed again. Its credit is taken back as far as it is unspent; ' +
    'credit already set against later statements is owed again on the statements that spent it.',
  schema: z
    .object({
      ...account,
      paymentId: PaymentId,
      reversedOn: CalendarDate,
      reason: ReversalReason,
      reinstated: z.array(Allocation).meta({ description: 'Owed again, per statement' }),
      fromCredit: Money.meta({ description: 'Taken back from the unspent credit' }),
    })
    .meta({ id: 'PaymentReversed' }),
});

export const ArrearsThresholdReached = defineEvent({
  service: 'billing',
  name: 'ArrearsThresholdReached',
  version: 1,
  published: true,
  description:
    "A client's statements for state-funded services are unpaid past their due date for more months " +
    'than the law allows: the service ends unless they are paid within a month. Placement opens a task ' +
    'for the case manager; billing never discharges anyone.',
  schema: z
    .object({
      ...account,
      on: CalendarDate,
      months: z.array(Month).meta({ description: 'The months owed, oldest first' }),
      owed: Money,
      oldestDueOn: CalendarDate,
    })
    .meta({ id: 'ArrearsThresholdReached' }),
});

export const ArrearsSettled = defineEvent({
  service: 'billing',
  name: 'ArrearsSettled',
  version: 1,
  published: true,
  description: 'A client in arrears owes no more than the law allows any more.',
  schema: z.object({ ...account, on: CalendarDate }).meta({ id: 'ArrearsSettled' }),
});

export const BankLineOutcome = z.enum(['matched', 'unmatched', 'ambiguous', 'already_imported', 'debit']);

/** A bank statement line as billing keeps it: nothing about the payer, only what matching needs. */
export const ImportedBankLine = z.object({
  lineId: z.string().regex(/^[0-9a-f]{32}$/),
  lineKey: z.string().min(1),
  bookedOn: CalendarDate,
  amount: Money,
  references: z.array(z.string()),
  outcome: BankLineOutcome,
  statementId: z.uuid().nullable(),
});

export const BankStatementImported = defineEvent({
  service: 'billing',
  name: 'BankStatementImported',
  version: 1,
  published: false,
  description:
    "A bank's statement file read for a municipality: each line matched to a statement by its payment " +
    'reference, or left for a billing officer to assign. The same file is never imported twice.',
  schema: z.object({
    municipality: MunicipalityCode,
    importId: z.uuid(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    format: z.enum(['camt.053', 'mt940']),
    importedOn: CalendarDate,
    lines: z.array(ImportedBankLine),
  }),
});

export const paymentEvents = [
  PaymentRecorded,
  PaymentReversed,
  ArrearsThresholdReached,
  ArrearsSettled,
  BankStatementImported,
] as const;
