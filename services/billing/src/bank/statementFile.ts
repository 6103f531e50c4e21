/** What a bank statement file holds once read, and what the format readers share. */
import { CalendarDate, DomainError, Money } from '@casework/contracts';
import { z } from 'zod';
import { isValidPaymentReference, mod97 } from './paymentReference.js';

function isValidIban(s: string): boolean {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s) && mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

/**
 * One booked line of a bank statement, with only what matching a payment needs: no payer name, payer
 * account or free text, which are personal data billing must not keep.
 */
export const BankLine = z.object({
  /** Stable across re-imports of the same file and of a later file that overlaps it. */
  lineKey: z.string().min(1),
  bookedOn: CalendarDate,
  valueOn: CalendarDate.optional(),
  direction: z.enum(['credit', 'debit']),
  amount: Money.refine((m) => m.amountMinor > 0, { message: 'must be a positive amount' }),
  /** Valid RF references: the structured creditor reference first, then those in the free text. */
  references: z.array(z.string().refine(isValidPaymentReference)),
  bankReference: z.string().min(1).optional(),
});
export type BankLine = z.infer<typeof BankLine>;

export const BankStatement = z.object({
  account: z.string().refine(isValidIban, { message: 'must be an IBAN' }),
  statementId: z.string().min(1),
  lines: z.array(BankLine),
});
export type BankStatement = z.infer<typeof BankStatement>;

export const BankStatementFile = z.object({
  format: z.enum(['camt.053', 'mt940']),
  statements: z.array(BankStatement).min(1),
});
export type BankStatementFile = z.infer<typeof BankStatementFile>;

/** A file that cannot be read as a bank statement; the message says why, never what the file holds. */
export class BankStatementUnreadable extends DomainError {
  constructor(message: string) {
    super('rule', 'BANK_STATEMENT_UNREADABLE', message);
    this.name = 'BankStatementUnreadable';
  }
}

/**
 * A line as a format reader gives it: `bankKey` is the account servicer's reference, unique to the line
 * under the account (camt.053 `AcctSvcrRef`); `entryRef` is a reference unique only within one statement
 * (camt.053 `NtryRef`, MT940's bank reference), which banks may start again from 1 every day.
 */
export type DraftLine = Omit<BankLine, 'lineKey'> & { bankKey?: string; entryRef?: string };
export type DraftStatement = Omit<BankStatement, 'lines'> & { lines: DraftLine[] };

/**
 * An amount's decimal text in minor units, never through a float: `1234.5` → 123450, `0,07` → 7.
 * MT940 always writes the decimal comma (`100,`); camt.053 may leave out the decimal point.
 */
export function minorUnits(text: string, separator: '.' | ','): number | undefined {
  const pattern = separator === ',' ? /^(\d+),(\d{0,2})$/ : /^(\d+)(?:\.(\d{1,2}))?$/;
  const match = pattern.exec(text);
  if (!match) return undefined;
  const minor = Number(`${match[1]}${(match[2] ?? '').padEnd(2, '0')}`);
  return Number.isSafeInteger(minor) ? minor : undefined;
}
