import { createHash } from 'node:crypto';
import { CalendarDate, DomainError, Money } from '@casework/contracts';
import { z } from 'zod';
import { parseCamt053 } from './camt053.js';
import { parseMt940 } from './mt940.js';
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

/** Reads a camt.053 (XML) or MT940 file into its statements, or throws `BankStatementUnreadable`. */
export function parseBankStatement(content: string): BankStatementFile {
  const text = content.replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new BankStatementUnreadable('the file is empty');
  if (text.trimStart().startsWith('<')) return checked('camt.053', parseCamt053(text));
  if (/^:20:/m.test(text)) return checked('mt940', parseMt940(text));
  throw new BankStatementUnreadable('the file is neither camt.053 XML nor MT940 text');
}

function checked(format: BankStatementFile['format'], drafts: DraftStatement[]): BankStatementFile {
  if (drafts.length === 0) throw new BankStatementUnreadable(`the ${format} file holds no statement`);
  // Parsing through the schema also drops anything a reader might have carried beyond the shape.
  // A zero-amount line moves no money (a bank's notice, a fee waived): it is left out, not refused.
  const moving = drafts.map((d) => ({ ...d, lines: d.lines.filter((l) => l.amount.amountMinor !== 0) }));
  const result = BankStatementFile.safeParse({ format, statements: withLineKeys(moving) });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? p + 1 : String(p))).join(' ');
    throw new BankStatementUnreadable(`${format}: ${where}: ${issue.message}`);
  }
  return result.data;
}

/**
 * The account servicer's reference under the account when the line has one; otherwise a digest of what
 * the line is (its entry reference among it, which is unique only within a day's statement), counting
 * identical lines in file order so that two equal payments on one day stay two lines. The same line in
 * the same file, or in a later file that overlaps it, has the same key.
 */
function withLineKeys(drafts: DraftStatement[]) {
  const seen = new Map<string, number>();
  const keys = new Set<string>();
  return drafts.map((statement, s) => ({
    ...statement,
    lines: statement.lines.map(({ bankKey, entryRef, ...line }, l) => {
      const lineKey = bankKey
        ? `${statement.account}:${bankKey}`
        : digestKey(statement.account, entryRef, line, seen);
      // Two lines under one key would make the second look already imported: refuse the file instead.
      if (keys.has(lineKey)) {
        throw new BankStatementUnreadable(
          `statement ${s + 1}, line ${l + 1} repeats the key of an earlier line`,
        );
      }
      keys.add(lineKey);
      return { lineKey, ...line };
    }),
  }));
}

function digestKey(
  account: string,
  entryRef: string | undefined,
  line: Omit<DraftLine, 'bankKey' | 'entryRef'>,
  seen: Map<string, number>,
): string {
  const { bookedOn, direction, amount, references } = line;
  const parts = [
    account,
    bookedOn,
    direction,
    amount.currency,
    amount.amountMinor,
    entryRef ?? '',
    references.join(' '),
  ];
  const what = parts.join('\n');
  const ordinal = (seen.get(what) ?? 0) + 1;
  seen.set(what, ordinal);
  return `sha256:${createHash('sha256').update(`${what}\n${ordinal}`).digest('hex')}`;
}
