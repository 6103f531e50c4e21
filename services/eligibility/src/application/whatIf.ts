import type { CriterionOutcome, LocalDate, Outcome } from '@casework/contracts';
import type { ServiceContext } from '@casework/service-kit';
import { evaluate, type Rules } from '../domain/evaluate.js';
import { knownFacts } from '../domain/facts.js';
import { coveredPage, type Scope } from '../projections/coveredQueries.js';
import { factRowsOf } from './determine.js';
import { RuleSets } from './ruleSets.js';

export type WhatIf = {
  evaluated: number;
  gained: number;
  lost: number;
  otherwiseChanged: number;
  unchanged: number;
  changes: {
    clientId: string;
    municipality: string;
    from: Outcome;
    to: Outcome;
    reasons: CriterionOutcome[];
  }[];
  truncated: boolean;
};

/**
 * Evaluates a draft version against everyone the rule set now covers (their current determinations),
 * beside the version in force, and counts who would gain or lose eligibility. Reads only; records
 * nothing. Works through the population in batches so memory stays flat.
 */
export async function whatIf(
  ctx: ServiceContext,
  scope: Scope,
  draft: Rules,
  asOf: LocalDate,
  limit: number,
  batchSize = 2000,
): Promise<WhatIf> {
  const result: WhatIf = {
    evaluated: 0,
    gained: 0,
    lost: 0,
    otherwiseChanged: 0,
    unchanged: 0,
    changes: [],
    truncated: false,
  };
  const ruleSets = new RuleSets(ctx);
  const knownAt = ctx.clock().toISOString();
  const page = async (after?: string) => {
    const rows = await coveredPage(ctx.store.db, ctx.store.schema, scope, { after }, batchSize);
    const facts = rows.length
      ? await factRowsOf(
          ctx,
          ctx.store.db,
          rows.map((r) => r.client_id),
        )
      : new Map();
    return { rows, facts };
  };
  // the version in force per municipality, looked up once
  const inForce = new Map<string, Rules>();
  const rulesFor = async (municipality: string) => {
    const cached = inForce.get(municipality);
    if (cached) return cached;
    const rules = await ruleSets.inForce(scope.serviceType, municipality, asOf);
    inForce.set(municipality, rules);
    return rules;
  };
  // the next page is read while this one is evaluated
  let next = page();
  for (;;) {
    const { rows, facts } = await next;
    if (rows.length === 0) return result;
    next = page(rows[rows.length - 1]!.client_id);
    next.catch(() => {}); // awaited on the next turn; a failure surfaces there, never as unhandled
    for (const r of rows) {
      const known = knownFacts(facts.get(r.client_id)!, knownAt);
      const q = {
        serviceType: scope.serviceType,
        municipality: r.municipality,
        asOf,
        ...(r.application_id ? { applicationId: r.application_id } : {}),
      };
      const now = evaluate(await rulesFor(r.municipality), known, q);
      const then = evaluate(draft, known, q);
      result.evaluated++;
      if (now.outcome === then.outcome) {
        result.unchanged++;
        continue;
      }
      if (then.outcome === 'eligible') result.gained++;
      else if (now.outcome === 'eligible') result.lost++;
      else result.otherwiseChanged++;
      if (result.changes.length < limit)
        result.changes.push({
          clientId: r.client_id,
          municipality: r.municipality,
          from: now.outcome,
          to: then.outcome,
          reasons: then.criteria,
        });
      else result.truncated = true;
    }
  }
}
