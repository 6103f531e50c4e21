import type { LocalDate, MunicipalityCode } from '@casework/contracts';
import { billingParameters } from '@casework/reference-data';
import { type Cause, inTransaction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import { owedStatements, type ReviewArrears } from '../domain/account.js';
import { mergesAmong } from '../projections/mergeQueries.js';
import { loadAccounts } from './accountState.js';
import { decideOnAccount } from './payments.js';

/** Accounts per transaction. */
const CHUNK = 200;

export type ArrearsReviewResult = { reviewed: number; reached: number; settled: number };

/**
 * Compares each account owing past a due date (and each reported before) with the months the law
 * allows on `on`: one newly past them is reported (placement opens a task), one back within them is
 * settled. Each account decides on its own stream, so a review run twice reports nothing twice.
 *
 * A person is counted once, under the survivor of any merge: the statements still owed on the records
 * merged into it count with its own, and those records' accounts are never reported on their own (one
 * reported before the merge is settled, the survivor's report taking its place). A survivor with no
 * account of its own yet leaves its merged records to be reviewed on their own.
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
  const candidates = rows.map((r) => r.client_id);
  const merges = await mergesAmong(ctx, ctx.store.db, candidates);
  // each person once: the survivor (or the client standing alone) with its merged records among them
  const people = new Map<string, string[]>();
  for (const c of candidates) {
    const head = merges.survivorOf.get(c) ?? c;
    const members = people.get(head) ?? [];
    if (head !== c) members.push(c);
    people.set(head, members);
  }
  const allowedMonths = billingParameters(p.municipality, p.on).arrearsMonths;
  const result: ArrearsReviewResult = { reviewed: 0, reached: 0, settled: 0 };
  const heads = [...people.keys()].sort();
  for (let i = 0; i < heads.length; i += CHUNK) {
    const chunk = heads.slice(i, i + CHUNK);
    const decided = await inTransaction(ctx, async (tx) => {
      const types: string[] = [];
      let reviewed = 0;
      const decideOn = async (
        clientId: string,
        command: Pick<ReviewArrears, 'alsoOwed' | 'countedUnder'>,
      ) => {
        const account = { clientId, municipality: p.municipality };
        const review = { type: 'ReviewArrears' as const, on: p.on, allowedMonths, ...command };
        const { events } = await decideOnAccount(ctx, tx, account, review, p.cause);
        types.push(...events.map((e) => e.type));
        reviewed++;
      };
      for (const head of chunk) {
        const members = people.get(head)!;
        // a client standing alone (nearly everyone) is reviewed as it is: its account is loaded once, by
        // the review itself
        if (members.length === 0) {
          await decideOn(head, {});
          continue;
        }
        const [own, ...merged] = await loadAccounts(
          ctx,
          tx,
          [head, ...members].map((clientId) => ({ clientId, municipality: p.municipality })),
        );
        if (!own!.state.owner) {
          for (const m of members) await decideOn(m, {});
          continue;
        }
        await decideOn(head, {
          alsoOwed: merged.flatMap((a) => owedStatements(a.state).map(([, st]) => st)),
        });
        for (const m of members) await decideOn(m, { countedUnder: head });
      }
      return { types, reviewed };
    });
    result.reviewed += decided.reviewed;
    result.reached += decided.types.filter((t) => t === 'ArrearsThresholdReached').length;
    result.settled += decided.types.filter((t) => t === 'ArrearsSettled').length;
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
