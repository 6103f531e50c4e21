import { createHash } from 'node:crypto';
import type {
  BankStatementImported,
  Decider,
  EventOf,
  ImportedBankLine,
  MunicipalityCode,
} from '@casework/contracts';
import type { z } from 'zod';
import type { BankStatementFile } from '../bank/bankStatement.js';

type Line = z.infer<typeof ImportedBankLine>;
/** A statement a payment reference names. */
export type Named = { statementId: string; clientId: string };

/** A line's id for the API: its key is long and holds the account number. */
export const lineIdOf = (lineKey: string) => createHash('sha256').update(lineKey).digest('hex').slice(0, 32);

/**
 * The file with each line's key under the municipality importing it: whether a line was seen, and which
 * payment took it, is each municipality's own, so that one municipality's upload (of a file that is not
 * its own, say) never makes another's lines look already imported.
 */
export function keyedFor(municipality: MunicipalityCode, file: BankStatementFile): BankStatementFile {
  return {
    ...file,
    statements: file.statements.map((statement) => ({
      ...statement,
      lines: statement.lines.map((line) => ({ ...line, lineKey: `${municipality}:${line.lineKey}` })),
    })),
  };
}

/**
 * Each line of a file with what becomes of it: a credit in euro whose references name exactly one of
 * the municipality's statements is matched to it; one naming none or several is left for an officer,
 * never guessed; a line seen in an earlier file is not taken again; money going out is not a payment.
 */
export function matchLines(
  file: BankStatementFile,
  byReference: ReadonlyMap<string, Named>,
  seen: ReadonlySet<string>,
): Line[] {
  return file.statements.flatMap((statement) =>
    statement.lines.map((l) => {
      const named = [...new Set(l.references.flatMap((r) => byReference.get(r)?.statementId ?? []))];
      const outcome: Line['outcome'] =
        l.direction === 'debit'
          ? 'debit'
          : seen.has(l.lineKey)
            ? 'already_imported'
            : l.amount.currency !== 'EUR' || named.length === 0
              ? 'unmatched'
              : named.length > 1
                ? 'ambiguous'
                : 'matched';
      return {
        lineId: lineIdOf(l.lineKey),
        lineKey: l.lineKey,
        bookedOn: l.bookedOn,
        amount: l.amount,
        references: l.references,
        outcome,
        statementId: outcome === 'matched' ? named[0]! : null,
      };
    }),
  );
}

export type BankImport = { imported?: EventOf<typeof BankStatementImported>['data'] };
export type ImportFile = { type: 'Import' } & EventOf<typeof BankStatementImported>['data'];

/** A file is imported once: the same file again decides nothing. */
export const bankImportDecider: Decider<BankImport, ImportFile, EventOf<typeof BankStatementImported>> = {
  initialState: {},
  decide: (command, state) => {
    if (state.imported) return [];
    const { type: _, ...data } = command;
    return [{ type: 'BankStatementImported', data }];
  },
  evolve: (_, event) => ({ imported: event.data }),
};
