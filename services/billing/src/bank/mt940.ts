import { createRequire } from 'node:module';
import { Currency } from '@casework/contracts';
import { z } from 'zod';
import { findPaymentReferences, isValidPaymentReference } from './paymentReference.js';
import { BankStatementUnreadable, type DraftLine, type DraftStatement, minorUnits } from './statementFile.js';

// mt940js is CommonJS without type declarations: loaded as such, and what it returns is checked below.
const { Parser } = createRequire(import.meta.url)('mt940js') as {
  Parser: new (options: { no86Structure: boolean }) => { parse(data: string, withTags: boolean): unknown };
};

const Parsed = z.array(
  z.object({
    transactionReference: z.string(),
    accountIdentification: z.string(),
    currency: z.string(),
    transactions: z.array(
      z.object({ reference: z.string(), bankReference: z.string(), details: z.string() }),
    ),
    tags: z.array(z.object({ id: z.union([z.number(), z.string()]), data: z.string() })),
  }),
);

/**
 * The statements of an MT940 file. mt940js splits the fields, groups statements, checks the mandatory
 * fields and that the lines add up to the change in balance; amounts and dates are read here from each
 * `:61:` field's text, as mt940js makes amounts floats and books a line of 31 December entered on
 * 2 January in the wrong year.
 */
export function parseMt940(text: string): DraftStatement[] {
  const parsed = Parsed.safeParse(readWithLibrary(text));
  if (!parsed.success) throw new BankStatementUnreadable('MT940: the file cannot be read');
  return parsed.data.map((statement, s) => {
    const where = `MT940 statement ${s + 1}`;
    const currency = Currency.safeParse(statement.currency);
    if (!currency.success) throw new BankStatementUnreadable(`${where}: the currency is neither EUR nor BGN`);
    const fields61 = statement.tags.filter((tag) => tag.id === 61);
    return {
      account: ibanIn(statement.accountIdentification),
      statementId: statement.transactionReference.trim(),
      lines: statement.transactions.map((t, l): DraftLine => {
        const field = readField61(fields61[l]?.data ?? '', currency.data, `${where}, line ${l + 1}`);
        const bankReference = t.bankReference.trim();
        const hasBankReference = bankReference !== '' && bankReference !== 'NONREF';
        return {
          ...field,
          references: referencesIn(t.reference, t.details),
          // Not a key on its own: a bank may give the same reference again on another day.
          ...(hasBankReference && { bankReference, entryRef: bankReference }),
        };
      }),
    };
  });
}

function readWithLibrary(text: string): unknown {
  try {
    // `withTags` keeps each field's text, for the amounts and dates read here.
    return new Parser({ no86Structure: true }).parse(text, true);
  } catch (error) {
    throw new BankStatementUnreadable(`MT940: ${explain(error)}`);
  }
}

/** mt940js's own messages quote the file, which may hold personal data: only their gist is kept. */
const LIBRARY_ERRORS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Mandatory tag (\w+) is missing in group (\d+)/, (m) => `statement ${m[2]} lacks the field :${m[1]}:`],
  [/^Sum of lines .* in group (\d+)$/, (m) => `statement ${m[1]}: the lines do not add up to the balances`],
  [/^Currency markers are differ .* in group (\d+)$/, (m) => `statement ${m[1]}: balances in two currencies`],
  [/^Cannot parse tag (\w+)/, (m) => `a :${m[1]}: field cannot be read`],
  [/^Unknown tag (\w+)/, (m) => `the field :${m[1]}: is not an MT940 field`],
];

function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  for (const [pattern, gist] of LIBRARY_ERRORS) {
    const match = pattern.exec(message);
    if (match) return gist(match);
  }
  return 'the file is not in the MT940 layout';
}

/** `:61:` value date YYMMDD, booking date MMDD, mark (R)C/(R)D, funds code, amount with a decimal comma. */
const FIELD_61 = /^(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2}))?(R?)([CD])[A-Z]?([\d,]*)/;

function readField61(data: string, currency: Currency, where: string) {
  const match = FIELD_61.exec(data);
  if (!match) throw new BankStatementUnreadable(`${where}: the :61: field cannot be read`);
  const [, yy, mm, dd, bookedMonth, bookedDay, reversal, mark, amountText] = match;
  const amountMinor = minorUnits(amountText!, ',');
  if (amountMinor === undefined) {
    throw new BankStatementUnreadable(`${where}: the amount is not a decimal with at most 2 places`);
  }
  const valueOn = `20${yy}-${mm}-${dd}`;
  // RC reverses a credit, so it takes money out; RD gives it back.
  const credit = (mark === 'C') !== (reversal === 'R');
  return {
    bookedOn: bookedMonth && bookedDay ? bookingDate(valueOn, bookedMonth, bookedDay) : valueOn,
    valueOn,
    direction: credit ? ('credit' as const) : ('debit' as const),
    amount: { amountMinor, currency },
  };
}

/** The booking date has no year: it is the one nearest the value date, across New Year if need be. */
function bookingDate(valueOn: string, month: string, day: string): string {
  const year = Number(valueOn.slice(0, 4));
  const valueMonth = valueOn.slice(5, 7);
  const shift = valueMonth === '12' && month === '01' ? 1 : valueMonth === '01' && month === '12' ? -1 : 0;
  return `${year + shift}-${month}-${day}`;
}

/** `:25:` may carry the bank code before the IBAN (`FAKEBGSF/BG45…`); only the IBAN is kept. */
function ibanIn(accountIdentification: string): string {
  const compact = accountIdentification.replace(/\s+/g, '').toUpperCase();
  return /[A-Z]{2}\d{2}[A-Z0-9]{11,30}/.exec(compact)?.[0] ?? compact;
}

/**
 * The `:61:` customer reference if it is an RF reference, then those in `:86:`. Its subfield markers
 * (`?20`, `>21`) and line breaks are read as spaces, so a reference wrapped onto the next subfield or
 * line is still found whole.
 */
function referencesIn(customerReference: string, details: string): string[] {
  const compact = customerReference.replace(/\s+/g, '').toUpperCase();
  const structured = isValidPaymentReference(compact) ? [compact] : [];
  const text = details.replace(/[?>]\d{2}/g, '\n');
  return [...new Set([...structured, ...findPaymentReferences(text)])];
}
