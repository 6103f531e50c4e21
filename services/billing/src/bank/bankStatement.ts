import { createHash } from 'node:crypto';
import { parseCamt053 } from './camt053.js';
import { parseMt940 } from './mt940.js';
import {
  BankStatementFile,
  BankStatementUnreadable,
  type DraftLine,
  type DraftStatement,
} from './statementFile.js';

export * from './statementFile.js';

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
