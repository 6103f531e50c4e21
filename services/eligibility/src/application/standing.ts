import type { LocalDate } from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import type { ServiceContext } from '@casework/service-kit';
import { leavesStanding } from '../domain/clientEligibility.js';
import { evaluate } from '../domain/evaluate.js';
import { knownFacts } from '../domain/facts.js';
import type { AnsweredRow, CoveredRow } from '../projections/coveredQueries.js';
import { factRowsOf, type Request } from './determine.js';
import type { RuleSets } from './ruleSets.js';

/** The question that decides a covered determination again, on a date, for a reason. */
export const toRequest = (r: CoveredRow, asOf: LocalDate, trigger: Request['trigger']): Request => ({
  clientId: r.client_id,
  serviceType: r.service_type,
  municipality: r.municipality,
  ...(r.application_id ? { applicationId: r.application_id } : {}),
  asOf,
  trigger,
});

/**
 * Of a page of determinations a rule-set change reaches, the questions still to decide. A row as
 * current as its client's stream whose answer the rules now in force leave standing needs nothing
 * recorded, and is settled here from the read model and the facts alone; the others, and rows the read
 * model has yet to catch up with, are decided from their streams (where the decider settles the same
 * way).
 */
export async function stillToDecide(
  ctx: ServiceContext,
  ex: Executor,
  rows: readonly AnsweredRow[],
  asOf: LocalDate,
  trigger: Request['trigger'],
  ruleSets: RuleSets,
): Promise<Request[]> {
  const requests = rows.map((r) => toRequest(r, asOf, trigger));
  const known = rows.filter((r) => r.current && r.answer !== null).map((r) => r.client_id);
  if (known.length === 0) return requests;
  const knownAt = ctx.clock().toISOString();
  const facts = await factRowsOf(ctx, ex, known);
  await ruleSets.prepare(requests);
  const open: Request[] = [];
  for (const [i, r] of rows.entries()) {
    const q = requests[i]!;
    if (r.current && r.answer !== null) {
      const rules = await ruleSets.inForce(q.serviceType, q.municipality, q.asOf);
      const evaluation = evaluate(rules, knownFacts(facts.get(r.client_id)!, knownAt), q);
      const next = {
        ...evaluation,
        ruleSet: { ruleSetId: rules.ruleSetId, version: rules.version },
        ...(q.applicationId ? { applicationId: q.applicationId } : {}),
      };
      if (leavesStanding({ answer: r.answer, validUntil: r.valid_until }, next)) continue;
    }
    open.push(q);
  }
  return open;
}
