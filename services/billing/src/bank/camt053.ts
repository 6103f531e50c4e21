import { Currency } from '@casework/contracts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { findPaymentReferences, isValidPaymentReference } from './paymentReference.js';
import { BankStatementUnreadable, type DraftLine, type DraftStatement, minorUnits } from './statementFile.js';

/** Elements that may repeat; the parser makes them arrays even when a file holds one. */
const REPEATED = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd', 'Strd']);

const parser = new XMLParser({
  removeNSPrefix: true, // any prefix, and versions .001.02 to .001.08 alike: only element names are read
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false, // amounts stay text, never floats
  isArray: (name) => REPEATED.has(name),
});

const Amount = z.object({ '#text': z.string(), '@Ccy': z.string() });
const DateChoice = z.object({ Dt: z.string().optional(), DtTm: z.string().optional() });
const Direction = z.enum(['CRDT', 'DBIT']);
const Remittance = z.object({
  Ustrd: z.array(z.string()).optional(),
  Strd: z.array(z.object({ CdtrRefInf: z.object({ Ref: z.string().optional() }).optional() })).optional(),
});
const Transaction = z.object({
  Amt: Amount.optional(),
  AmtDtls: z.object({ TxAmt: z.object({ Amt: Amount }).optional() }).optional(),
  CdtDbtInd: Direction.optional(),
  RmtInf: Remittance.optional(),
});
type Transaction = z.infer<typeof Transaction>;
const Entry = z.object({
  NtryRef: z.string().optional(),
  Amt: Amount,
  CdtDbtInd: Direction,
  RvslInd: z.enum(['true', 'false', '1', '0']).optional(),
  // A code in .001.02, a choice of code or proprietary from .001.04 on.
  Sts: z
    .union([z.string(), z.object({ Cd: z.string().optional(), Prtry: z.string().optional() })])
    .optional(),
  BookgDt: DateChoice.optional(),
  ValDt: DateChoice.optional(),
  AcctSvcrRef: z.string().optional(),
  NtryDtls: z.array(z.object({ TxDtls: z.array(Transaction).optional() })).optional(),
});
type Entry = z.infer<typeof Entry>;
const Statement = z.object({
  Id: z.string(),
  Acct: z.object({ Id: z.object({ IBAN: z.string() }) }),
  Ntry: z.array(Entry).optional(),
});
const Document = z.object({ Document: z.object({ BkToCstmrStmt: z.object({ Stmt: z.array(Statement) }) }) });

/** The statements of a camt.053 file (`Document/BkToCstmrStmt/Stmt`), booked entries only. */
export function parseCamt053(xml: string): DraftStatement[] {
  // Bank statements declare no entities; a DOCTYPE could only make the parser expand some.
  if (/<!DOCTYPE/i.test(xml)) throw new BankStatementUnreadable('the XML declares a DOCTYPE');
  if (XMLValidator.validate(xml) !== true) throw new BankStatementUnreadable('the XML is not well formed');
  const parsed = parsedXml(xml);
  const document = Document.safeParse(parsed);
  if (!document.success) {
    const path = document.error.issues[0]!.path;
    if (path.length <= 2) {
      throw new BankStatementUnreadable('the XML is not a camt.053 bank-to-customer statement');
    }
    const where = path.map((p) => (typeof p === 'number' ? `[${p + 1}]` : `/${String(p)}`)).join('');
    throw new BankStatementUnreadable(`camt.053: ${where} is missing or malformed`);
  }
  return document.data.Document.BkToCstmrStmt.Stmt.map((stmt, s) => ({
    account: stmt.Acct.Id.IBAN,
    statementId: stmt.Id,
    lines: (stmt.Ntry ?? []).flatMap((entry, e) =>
      isBooked(entry) ? entryLines(entry, `Stmt ${s + 1}, Ntry ${e + 1}`) : [],
    ),
  }));
}

/**
 * The parser refuses some well-formed XML with a plain `Error` (nesting past its limit, an element named
 * `__proto__` or `constructor`): the file is unreadable then, and its message, which may quote the file,
 * is not passed on.
 */
function parsedXml(xml: string): unknown {
  try {
    return parser.parse(xml);
  } catch {
    throw new BankStatementUnreadable('the XML cannot be read as a bank statement');
  }
}

function isBooked(entry: Entry): boolean {
  const status = typeof entry.Sts === 'string' ? entry.Sts : entry.Sts?.Cd;
  return status === undefined || status === 'BOOK';
}

/**
 * One line per entry, except a batch whose transactions each carry an amount: one line per
 * transaction then, keyed by the account servicer's reference and the transaction's ordinal. Only
 * `AcctSvcrRef` keys a line: `NtryRef` is unique within one statement, and banks number each day's
 * entries from 1 again, so it goes into the line's digest instead.
 */
function entryLines(entry: Entry, where: string): DraftLine[] {
  const reversed = entry.RvslInd === 'true' || entry.RvslInd === '1';
  const bookedOn = dateOf(entry.BookgDt);
  if (!bookedOn) throw new BankStatementUnreadable(`${where}: the entry has no booking date`);
  const valueOn = dateOf(entry.ValDt);
  const servicerRef = entry.AcctSvcrRef?.trim() || undefined;
  const entryRef = entry.NtryRef?.trim() || undefined;
  const bankReference = servicerRef ?? entryRef;
  const base = {
    bookedOn,
    ...(valueOn && { valueOn }),
    ...(bankReference && { bankReference }),
    ...(entryRef && { entryRef }),
  };
  const entryAmount = money(entry.Amt, where);
  const direction = directionOf(entry.CdtDbtInd, reversed);
  const transactions = entry.NtryDtls?.flatMap((d) => d.TxDtls ?? []) ?? [];
  const amounts = transactions.map((tx) => tx.Amt ?? tx.AmtDtls?.TxAmt?.Amt);

  if (transactions.length < 2 || amounts.some((a) => a === undefined)) {
    return [
      {
        ...base,
        ...keyed(servicerRef),
        direction,
        amount: entryAmount,
        references: referencesIn(transactions),
      },
    ];
  }
  const lines = transactions.map((tx, t) => ({
    ...base,
    ...keyed(servicerRef && `${servicerRef}#${t + 1}`),
    direction: tx.CdtDbtInd ? directionOf(tx.CdtDbtInd, reversed) : direction,
    amount: money(amounts[t]!, `${where}, TxDtls ${t + 1}`),
    references: referencesIn([tx]),
  }));
  const total = lines.reduce((sum, line) => sum + signed(line), 0);
  if (
    lines.some((l) => l.amount.currency !== entryAmount.currency) ||
    total !== signed({ direction, amount: entryAmount })
  ) {
    throw new BankStatementUnreadable(`${where}: the batch's transactions do not add up to the entry`);
  }
  return lines;
}

const keyed = (bankKey: string | undefined) => (bankKey ? { bankKey } : {});

/** The date as the bank wrote it; a `DtTm` is cut to its date, in the bank's own time zone. */
const dateOf = (choice: z.infer<typeof DateChoice> | undefined) => choice?.Dt ?? choice?.DtTm?.slice(0, 10);

function directionOf(indicator: z.infer<typeof Direction>, reversed: boolean): DraftLine['direction'] {
  // A reversal undoes an earlier entry, so it moves money the other way from what its indicator says.
  return (indicator === 'CRDT') !== reversed ? 'credit' : 'debit';
}

function money(amount: z.infer<typeof Amount>, where: string): DraftLine['amount'] {
  const currency = Currency.safeParse(amount['@Ccy']);
  if (!currency.success) throw new BankStatementUnreadable(`${where}: the currency is neither EUR nor BGN`);
  const amountMinor = minorUnits(amount['#text'], '.');
  if (amountMinor === undefined) {
    throw new BankStatementUnreadable(`${where}: the amount is not a decimal with at most 2 places`);
  }
  return { amountMinor, currency: currency.data };
}

const signed = (line: Pick<DraftLine, 'direction' | 'amount'>) =>
  (line.direction === 'credit' ? 1 : -1) * line.amount.amountMinor;

/** Structured creditor references first, then those in the free text (its lines read as one). */
function referencesIn(transactions: Transaction[]): string[] {
  const structured = transactions
    .flatMap((tx) => tx.RmtInf?.Strd ?? [])
    .map((s) => s.CdtrRefInf?.Ref?.replace(/\s+/g, '').toUpperCase() ?? '')
    .filter(isValidPaymentReference);
  const unstructured = transactions.flatMap((tx) =>
    findPaymentReferences((tx.RmtInf?.Ustrd ?? []).join('\n')),
  );
  return [...new Set([...structured, ...unstructured])];
}
