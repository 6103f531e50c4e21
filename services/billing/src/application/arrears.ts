import type { LocalDate, MunicipalityCode } from '@casework/contracts';
import { billingParameters } from '@casework/reference-data';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { decideOnAccount, inTransaction } from './payments.js';

/** Accounts per transaction. */
const CHUNK = 200;

export type ArrearsReviewResult = { reviewed: number; reached: number; settled: number };

/**
 * Compares each account owing past a due date (and each reported before) with the months the law
 * allows on `on`: one newly past them is reported (placement opens a task), one back within them is
 * settled. Each account decides on its own stream, so a review run twice reports nothing twice.
 */
export async function reviewArrears(
  ctx: ServiceContext,
  p: { municipality: MunicipalityCode; on: LocalDate; cause: Cause },
): Promise<ArrearsReviewResult> {
  const s = (table: string) => sql.id(ctx.store.schema, table);
  const { rows } = await sql<{ client_id: string }>`
    SELECT client_id FROM ${s('statements')}
    WHERE municipality = ${p.municipality} AND outstanding > 0 AND due_on < ${p.on}::date
    UNION SELECT client_id FROM ${s('arrears')} WHERE municipality = ${p.municipality}
    ORDER BY client_id`.execute(ctx.store.db);
  const allowedMonths = billingParameters(p.municipality, p.on).arrearsMonths;
  const result: ArrearsReviewResult = { reviewed: rows.length, reached: 0, settled: 0 };
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const decided = await inTransaction(ctx, async (tx) => {
      const types: string[] = [];
      for (const { client_id } of chunk) {
        const { events } = await decideOnAccount(
          ctx,
          tx,
          { clientId: client_id, municipality: p.municipality },
          { type: 'ReviewArrears', on: p.on, allowedMonths },
          p.cause,
        );
        types.push(...events.map((e) => e.type));
      }
      return types;
    });
    result.reached += decided.filter((t) => t === 'ArrearsThresholdReached').length;
    result.settled += decided.filter((t) => t === 'ArrearsSettled').length;
  }
  return result;
}

/** Municipalities with a statement owed past its due date, or a client reported in arrears. */
export async function municipalitiesOwed(ctx: ServiceContext, on: LocalDate): Promise<MunicipalityCode[]> {
  const s = (table: string) => sql.id(ctx.store.schema, table);
  const { rows } = await sql<{ municipality: MunicipalityCode }>`
    SELECT DISTINCT municipality FROM ${s('statements')} WHERE outstanding > 0 AND due_on < ${on}::date
    UNION SELECT DISTINCT municipality FROM ${s('arrears')} ORDER BY municipality`.execute(ctx.store.db);
  return rows.map((r) => r.municipality);
}
