import { createHash } from 'node:crypto';
import { conflictWith, type LocalDate, type MunicipalityCode } from '@casework/contracts';
import type { Tx } from '@casework/eventstore';
import {
  appendOf,
  type Cause,
  inTransaction,
  loadAggregate,
  type ServiceContext,
} from '@casework/service-kit';
import { sql } from 'kysely';
import { parseBankStatement } from '../bank/bankStatement.js';
import { bankImportDecider, keyedFor, matchLines, type Named } from '../domain/bankImport.js';
import { bankImportStream, definitions } from './events.js';
import { recordPayment } from './payments.js';

/**
 * Imports a bank's statement file for a municipality: lines whose payment reference names one of its
 * statements are recorded as payments on that statement; the others are kept for an officer to assign.
 * The same file again records nothing and answers what the first import did; a line already taken from
 * an overlapping file is not taken again. Lines are keyed per municipality: another municipality's import
 * of the same lines neither marks them seen nor takes them.
 */
export async function importBankStatement(
  ctx: ServiceContext,
  p: { municipality: MunicipalityCode; content: string; today: LocalDate; cause: Cause },
) {
  // keyed under the municipality: the seen check and the claim of a line are the municipality's own
  const file = keyedFor(p.municipality, parseBankStatement(p.content));
  const sha256 = createHash('sha256').update(p.content).digest('hex');
  const streamId = bankImportStream(p.municipality, sha256);
  return inTransaction(ctx, async (tx) => {
    const { state, version } = await loadAggregate(ctx, streamId, bankImportDecider, tx);
    if (state.imported)
      return {
        ...state.imported,
        alreadyImported: true,
        lines: await withPayments(ctx, tx, state.imported.lines),
      };

    const lines = file.statements.flatMap((s) => s.lines);
    const s = (table: string) => sql.id(ctx.store.schema, table);
    const { rows: named } = await sql<Named & { payment_reference: string }>`
      SELECT statement_id::text AS "statementId", client_id::text AS "clientId", payment_reference
      FROM ${s('statements')}
      WHERE municipality = ${p.municipality} AND payment_reference = ANY(${lines.flatMap((l) => l.references)}::text[])`.execute(
      tx,
    );
    const keys = lines.map((l) => l.lineKey);
    const { rows: seen } = await sql<{ line_key: string }>`
      SELECT line_key FROM ${s('bank_lines')} WHERE line_key = ANY(${keys}::text[])
      UNION SELECT line_key FROM ${s('bank_line_payments')} WHERE line_key = ANY(${keys}::text[])`.execute(
      tx,
    );
    const matched = matchLines(
      file,
      new Map(named.map((n) => [n.payment_reference, n])),
      new Set(seen.map((r) => r.line_key)),
    );
    const clientOf = new Map(named.map((n) => [n.statementId, n.clientId]));
    for (const line of matched) {
      if (line.outcome !== 'matched') continue;
      const recorded = await recordPayment(
        ctx,
        tx,
        { clientId: clientOf.get(line.statementId!)!, municipality: p.municipality },
        {
          statementId: line.statementId!,
          amount: line.amount,
          receivedOn: line.bookedOn,
          method: 'bank_transfer',
          bankLineKey: line.lineKey,
        },
        p.cause,
      );
      // taken meanwhile from an overlapping file
      if (!recorded) Object.assign(line, { outcome: 'already_imported', statementId: null });
    }
    const events = bankImportDecider.decide(
      {
        type: 'Import',
        municipality: p.municipality,
        importId: ctx.newId(),
        sha256,
        format: file.format,
        importedOn: p.today,
        lines: matched,
      },
      state,
    );
    await ctx.store.append(
      [appendOf(ctx, { streamId, streamType: 'bank-import', version }, events, definitions, p.cause)],
      tx,
    );
    const imported = events[0]!.data;
    return { ...imported, alreadyImported: false, lines: await withPayments(ctx, tx, imported.lines) };
  });
}

/** Each line with the payment recorded for it, if any (from this import, another or an officer's). */
async function withPayments<L extends { lineKey: string }>(ctx: ServiceContext, tx: Tx, lines: readonly L[]) {
  const { rows } = await sql<{ line_key: string; payment_id: string }>`
    SELECT line_key, payment_id::text FROM ${sql.id(ctx.store.schema, 'bank_line_payments')}
    WHERE line_key = ANY(${lines.map((l) => l.lineKey)}::text[])`.execute(tx);
  const paid = new Map(rows.map((r) => [r.line_key, r.payment_id]));
  return lines.map((l) => ({ ...l, paymentId: paid.get(l.lineKey) ?? null }));
}

/**
 * Assigns a line no statement matched (or several did) to a statement an officer chose, as a payment.
 * The line's amount and date come from the import's event, never from the request.
 */
export async function assignBankLine(
  ctx: ServiceContext,
  p: {
    line: { lineId: string; municipality: MunicipalityCode; sha256: string };
    statement: { statementId: string; clientId: string };
    cause: Cause;
  },
) {
  return inTransaction(ctx, async (tx) => {
    const { state } = await loadAggregate(
      ctx,
      bankImportStream(p.line.municipality, p.line.sha256),
      bankImportDecider,
      tx,
    );
    const line = state.imported?.lines.find((l) => l.lineId === p.line.lineId);
    if (!line) throw conflictWith('BANK_LINE_NOT_FOUND', 'the line is not in its import');
    if (line.outcome !== 'unmatched' && line.outcome !== 'ambiguous')
      throw conflictWith('BANK_LINE_NOT_OPEN', `the line is ${line.outcome}: there is nothing to assign`);
    const recorded = await recordPayment(
      ctx,
      tx,
      { clientId: p.statement.clientId, municipality: p.line.municipality },
      {
        statementId: p.statement.statementId,
        amount: line.amount,
        receivedOn: line.bookedOn,
        method: 'bank_transfer',
        bankLineKey: line.lineKey,
      },
      p.cause,
    );
    if (!recorded) throw conflictWith('BANK_LINE_RECORDED', 'the line was recorded as a payment already');
    return recorded;
  });
}
