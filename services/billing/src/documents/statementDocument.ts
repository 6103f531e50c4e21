import { LocalDate, Money, Month } from '@casework/contracts';
import { z } from 'zod';
import { mod97 } from '../bank/paymentReference.js';

/** ISO 7064 MOD 97-10, the check of both an IBAN and an RF creditor reference: the first four last. */
const mod97IsOne = (code: string) => mod97(code.slice(4) + code.slice(0, 4)) === 1;

/** An ISO 11649 creditor reference, without spaces: `RF18539007547034`. */
export const RfReference = z
  .string()
  .regex(/^RF\d{2}[0-9A-Z]{1,21}$/, 'must be an RF reference without spaces')
  .refine(mod97IsOne, 'the RF reference check digits do not match');

export const Iban = z
  .string()
  .regex(/^[A-Z]{2}\d{2}[0-9A-Z]{11,30}$/, 'must be an IBAN without spaces')
  .refine(mod97IsOne, 'the IBAN check digits do not match');

export const StatementLine = z
  .object({
    /** The service in Bulgarian, e.g. "Защитено жилище". */
    serviceName: z.string().min(1),
    siteName: z.string().min(1).optional(),
    from: LocalDate,
    /** Inclusive: the last day billed. */
    to: LocalDate,
    billableDays: z.number().int().min(0),
    daysInMonth: z.number().int().min(28).max(31),
    /** How the amount was reached, in Bulgarian, e.g. "70% от дохода 612,40 €". */
    basis: z.string().min(1),
    amount: Money,
  })
  .refine((l) => l.from <= l.to, { message: 'from must not be after to', path: ['to'] })
  .refine((l) => l.billableDays <= l.daysInMonth, {
    message: 'cannot bill more days than the month has',
    path: ['billableDays'],
  });

export const StatementAdjustment = z.object({
  correctsPeriod: Month,
  reason: z.string().min(1),
  /** Negative when the earlier month was overcharged. */
  amount: Money,
});

/** Everything a billing statement prints, already worked out: the renderer computes no money. */
export const StatementDocument = z.object({
  municipality: z.object({ code: z.string().min(1), name: z.string().min(1) }),
  statementNumber: z.string().min(1),
  period: Month,
  issuedOn: LocalDate,
  dueOn: LocalDate,
  paymentReference: RfReference,
  /** The municipality's account the fee is paid to. */
  payee: z.object({ name: z.string().min(1), iban: Iban }).optional(),
  client: z.object({ name: z.string().min(1) }),
  lines: z.array(StatementLine),
  adjustments: z.array(StatementAdjustment),
  previousBalance: Money.optional(),
  creditApplied: Money.optional(),
  totalDue: Money,
  /** Printed under the totals, e.g. how an amount was converted from leva. */
  notes: z.array(z.string().min(1)).optional(),
});
export type StatementDocument = z.infer<typeof StatementDocument>;
