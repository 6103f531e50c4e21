import { z } from 'zod';
import { MunicipalityCode } from '../codes.js';
import { BankLineOutcome, PaymentId, PaymentMethod, ReversalReason } from '../events/billing/payments.js';
import { Month } from '../events/billing/siteCosts.js';
import { ClientId } from '../events/intake/clients.js';
import { CalendarDate, LocalDate } from '../localDate.js';
import { Money } from '../money.js';
import { PageLimit } from './paging.js';

// Synthetic examples: ids, figures and references made up.
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' as const });
const statementId = '0190a3c2-9d5e-7f60-b172-4d5e6f708192';
const clientId = '0190a3c2-6a2b-7c3d-8e4f-1a2b3c4d5e6f';
const paymentId = '0190a3c3-1a2b-7c3d-8e4f-5a6b7c8d9e0f';

const examplePayment = {
  paymentId,
  statementId,
  clientId,
  municipality: 'BLG01',
  amount: eur(25_000),
  receivedOn: '2027-01-15',
  method: 'cash' as const,
  fromBank: false,
  allocations: [{ statementId, amount: eur(21_677) }],
  toCredit: eur(3_323),
  reversed: null,
};

export const PaymentParams = z.object({ paymentId: PaymentId });

export const RecordPaymentBody = z
  .object({
    amount: Money.meta({ description: 'In euro, above zero' }),
    receivedOn: LocalDate,
    method: PaymentMethod,
  })
  .meta({
    id: 'RecordPayment',
    example: { amount: eur(21_677), receivedOn: '2027-01-15', method: 'cash' },
  });

export const ReversePaymentBody = z
  .object({ reversedOn: LocalDate, reason: ReversalReason })
  .meta({ id: 'ReversePayment', example: { reversedOn: '2027-01-18', reason: 'recorded_in_error' } });

export const PaymentRecord = z
  .object({
    paymentId: PaymentId,
    statementId: z.uuid(),
    clientId: ClientId,
    municipality: MunicipalityCode,
    amount: Money,
    receivedOn: CalendarDate,
    method: PaymentMethod,
    fromBank: z.boolean().meta({ description: 'Recorded from a bank statement line' }),
    allocations: z
      .array(z.object({ statementId: z.uuid(), amount: Money }))
      .meta({ description: 'What it settled: its statement first, then the oldest still owed' }),
    toCredit: Money.meta({ description: 'Left over, carried as credit to the next statements' }),
    reversed: z.object({ on: CalendarDate, reason: ReversalReason }).nullable(),
  })
  .meta({
    id: 'Payment',
    example: examplePayment,
  });

export const PaymentsQuery = z.object({
  municipality: MunicipalityCode.optional(),
  clientId: ClientId.optional(),
  statementId: z.uuid().optional(),
  limit: PageLimit,
  cursor: z.string().optional(),
});
export const PaymentPage = z
  .object({ items: z.array(PaymentRecord), next: z.string().optional() })
  .meta({ id: 'PaymentPage', example: { items: [examplePayment] } });

export const AccountParams = z.object({ municipality: MunicipalityCode, clientId: ClientId });
export const AccountRecord = z
  .object({
    clientId: ClientId,
    municipality: MunicipalityCode,
    owed: Money.meta({ description: 'Σ what the statements still owe' }),
    credit: Money.meta({ description: 'Paid beyond what was owed, set against the next statements' }),
    inArrears: z
      .boolean()
      .meta({ description: 'Reported as owing for more months of state-funded services than allowed' }),
    statements: z.array(
      z.object({
        statementId: z.uuid(),
        clientId: ClientId.meta({
          description: 'The record the statement was issued to: this client or one merged into it',
        }),
        month: Month,
        dueOn: CalendarDate,
        totalDue: Money,
        outstanding: Money,
      }),
    ),
    mergedRecords: z.array(ClientId).meta({
      description:
        "Records merged into this client whose accounts are counted here: one person's statements, owed and credit together",
    }),
    mergedInto: ClientId.optional().meta({
      description:
        "Set when this record is merged into another: its account is shown alone, and counted in the survivor's",
    }),
  })
  .meta({
    id: 'BillingAccount',
    example: {
      clientId,
      municipality: 'BLG01',
      owed: eur(0),
      credit: eur(3_323),
      inArrears: false,
      statements: [
        {
          statementId,
          clientId,
          month: '2026-12',
          dueOn: '2027-01-20',
          totalDue: eur(21_677),
          outstanding: eur(0),
        },
      ],
      mergedRecords: [],
    },
  });

export const ArrearsQuery = z.object({
  municipality: MunicipalityCode,
  asOf: LocalDate.optional().meta({ description: 'Overdue on this date; today by default' }),
  limit: PageLimit,
  cursor: z.string().optional(),
});
export const ArrearsItem = z.object({
  clientId: ClientId,
  months: z.array(Month).meta({ description: 'Months with a statement past its due date, oldest first' }),
  owed: Money,
  oldestDueOn: CalendarDate,
  daysOverdue: z.number().int().min(1).meta({ description: 'Since the oldest due date' }),
  age: z
    .enum(['1-30', '31-60', '61-90', 'over_90'])
    .meta({ description: 'Days past the oldest due date, in the usual ageing buckets' }),
  reported: z
    .boolean()
    .meta({ description: 'Past the months the law allows for a state-funded service: a task was opened' }),
});
export type ArrearsItem = z.infer<typeof ArrearsItem>;
export const ArrearsPage = z
  .object({ asOf: CalendarDate, items: z.array(ArrearsItem), next: z.string().optional() })
  .meta({
    id: 'ArrearsPage',
    example: {
      asOf: '2027-05-21',
      items: [
        {
          clientId,
          months: ['2027-01', '2027-02', '2027-03', '2027-04'],
          owed: eur(168_000),
          oldestDueOn: '2027-02-20',
          daysOverdue: 90,
          age: '61-90',
          reported: true,
        },
      ],
    },
  });

export const ArrearsReviewParams = z.object({ municipality: MunicipalityCode });
export const ArrearsReview = z
  .object({
    municipality: MunicipalityCode,
    on: CalendarDate,
    reviewed: z.number().int(),
    reached: z.number().int().meta({ description: 'Clients newly past the allowed months (tasks opened)' }),
    settled: z.number().int().meta({ description: 'Clients back within them' }),
  })
  .meta({
    id: 'ArrearsReview',
    example: { municipality: 'BLG01', on: '2027-05-21', reviewed: 12, reached: 1, settled: 0 },
  });

export const BankStatementUpload = z
  .object({
    municipality: MunicipalityCode,
    content: z
      .string()
      .min(1)
      .max(8_000_000)
      .meta({ description: 'The file as the bank gave it: ISO 20022 camt.053 XML or MT940 text' }),
  })
  .meta({
    id: 'BankStatementUpload',
    example: { municipality: 'BLG01', content: ':20:STMT0001\n:25:BG80BNBG96611020345678\n…' },
  });

export const BankLineView = z.object({
  lineId: z.string(),
  bookedOn: CalendarDate,
  amount: Money,
  references: z.array(z.string()),
  outcome: BankLineOutcome.meta({
    description:
      'matched: recorded against the statement its reference names; unmatched/ambiguous: no statement ' +
      'or more than one, left for an officer; already_imported: in an earlier file; debit: money out',
  }),
  statementId: z.uuid().nullable(),
  paymentId: z.uuid().nullable(),
});

export const BankImportRecord = z
  .object({
    importId: z.uuid(),
    municipality: MunicipalityCode,
    format: z.enum(['camt.053', 'mt940']),
    importedOn: CalendarDate,
    alreadyImported: z.boolean().meta({ description: 'The same file was imported before: nothing recorded' }),
    lines: z.array(BankLineView),
  })
  .meta({
    id: 'BankImport',
    example: {
      importId: '0190a3c4-2b3c-7d4e-8f50-6a7b8c9d0e1f',
      municipality: 'BLG01',
      format: 'mt940',
      importedOn: '2027-01-16',
      alreadyImported: false,
      lines: [
        {
          lineId: '3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c',
          bookedOn: '2027-01-15',
          amount: eur(21_677),
          references: ['RF45BLG01202612000001'],
          outcome: 'matched',
          statementId,
          paymentId,
        },
      ],
    },
  });

export const BankLinesQuery = z.object({
  municipality: MunicipalityCode,
  limit: PageLimit,
  cursor: z.string().optional(),
});
export const BankLinePage = z.object({ items: z.array(BankLineView), next: z.string().optional() }).meta({
  id: 'BankLinePage',
  example: {
    items: [
      {
        lineId: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d',
        bookedOn: '2027-01-15',
        amount: eur(5_000),
        references: [],
        outcome: 'unmatched',
        statementId: null,
        paymentId: null,
      },
    ],
  },
});
export const BankLineParams = z.object({ lineId: z.string().regex(/^[0-9a-f]{32}$/) });
export const AssignBankLineBody = z
  .object({ statementId: z.uuid() })
  .meta({ id: 'AssignBankLine', example: { statementId } });
