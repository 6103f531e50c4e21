import {
  breaksRule,
  type Criterion,
  eligibilityEvents,
  type LocalDate,
  ruleSetIdOf,
} from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import { defaultRuleSets } from '@casework/reference-data';
import { byName, type Cause, execute, foldEvents, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import {
  type RuleSet,
  type RuleSetCommand,
  ruleSetDecider,
  type Scope,
  type Version,
  versionInForce,
} from '../domain/ruleSet.js';

export const definitions = byName(eligibilityEvents);
export const ruleSetStream = (ruleSetId: string) => `ruleset-${ruleSetId}`;

/** A rule-set version with the id it is known by. */
export type AppliedRules = Version & { ruleSetId: string };

/**
 * Rule sets read straight from their streams (a handful per service type), remembered for one unit of
 * work: a consumer batch, a re-evaluation batch, a request.
 */
export class RuleSets {
  readonly #loaded = new Map<string, RuleSet>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly executor?: Executor,
  ) {}

  async load(ruleSetIds: readonly string[]): Promise<void> {
    const missing = [...new Set(ruleSetIds)].filter((id) => !this.#loaded.has(id));
    if (missing.length === 0) return;
    // a transaction that decides takes its id before it reads the rules: a re-evaluation job scheduled
    // by a version published meanwhile waits for it (see the eligibility projection)
    if (this.executor && this.#loaded.size === 0)
      await sql`SELECT pg_current_xact_id()`.execute(this.executor);
    const read = await this.ctx.store.readStreams(missing.map(ruleSetStream), this.executor);
    for (const id of missing)
      this.#loaded.set(id, foldEvents(ruleSetDecider, read.get(ruleSetStream(id))!.events));
  }

  async get(ruleSetId: string): Promise<RuleSet> {
    await this.load([ruleSetId]);
    return this.#loaded.get(ruleSetId)!;
  }

  /** Loads, in one read, every rule set these questions may be answered under. */
  async prepare(scopes: readonly { serviceType: string; municipality: string }[]): Promise<void> {
    await this.load(scopes.flatMap((q) => candidates(q.serviceType, q.municipality)));
  }

  /** The municipality's own version in force on the date, else the national one. */
  async inForce(serviceType: string, municipality: string, on: LocalDate): Promise<AppliedRules> {
    const ids = candidates(serviceType, municipality);
    await this.load(ids);
    for (const id of ids) {
      const v = versionInForce(this.#loaded.get(id)!, on);
      if (v) return { ...v, ruleSetId: id };
    }
    throw breaksRule('NO_RULE_SET', `no rule set for ${serviceType} is in force on ${on}`);
  }
}

/** The rule sets a question may fall under, the municipality's own first, then the national one. */
const candidates = (serviceType: string, municipality: string) => [
  ruleSetIdOf(serviceType, municipality),
  ruleSetIdOf(serviceType, null),
];

/** Adopts the national defaults of reference data as version 1 of each national rule set, once. */
export async function seedDefaultRuleSets(ctx: ServiceContext): Promise<void> {
  for (const r of defaultRuleSets.ruleSets) {
    const ruleSetId = ruleSetIdOf(r.serviceType, null);
    await execute(ctx, {
      streamId: ruleSetStream(ruleSetId),
      streamType: 'rule-set',
      decider: ruleSetDecider,
      definitions,
      command: {
        type: 'AdoptDefault',
        ruleSetId,
        serviceType: r.serviceType,
        municipality: null,
        criteria: r.criteria as Criterion[],
        validityMonths: r.validityMonths,
        effectiveFrom: defaultRuleSets.effectiveFrom,
      },
      cause: { correlationId: 'seed-default-rule-sets' },
    });
  }
}

export type RuleSetCommandInput =
  | { type: 'Draft'; criteria: Criterion[]; validityMonths: number }
  | { type: 'Publish'; version: number; effectiveFrom: LocalDate; today: LocalDate }
  | { type: 'Retire'; version: number; retiredFrom: LocalDate; today: LocalDate };

export async function runRuleSetCommand(
  ctx: ServiceContext,
  scope: Scope,
  input: RuleSetCommandInput,
  cause: Cause,
  expectedVersion?: number,
) {
  const command: RuleSetCommand = input.type === 'Draft' ? { ...input, ...scope } : input;
  return execute(ctx, {
    streamId: ruleSetStream(scope.ruleSetId),
    streamType: 'rule-set',
    decider: ruleSetDecider,
    definitions,
    command,
    cause,
    expectedVersion,
  });
}
