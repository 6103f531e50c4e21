import type { LocalDate } from '@casework/contracts';
import type { Executor, Tx } from '@casework/eventstore';
import { type Cause, inTransaction, type ServiceContext, unitOfWork } from '@casework/service-kit';
import { sql } from 'kysely';
import {
  type ClientEligibility,
  type Determination,
  eligibilityDecider,
} from '../domain/clientEligibility.js';
import { evaluate } from '../domain/evaluate.js';
import { type FactRow, knownFacts } from '../domain/facts.js';
import { eligibilityStream } from '../domain/streams.js';
import { definitions, RuleSets } from './ruleSets.js';

/** One question to decide: who, which service, where, on which date, and why now. */
export type Request = {
  clientId: string;
  serviceType: string;
  municipality: string;
  applicationId?: string | undefined;
  asOf: LocalDate;
  trigger: Determination['trigger'];
};

/**
 * The questions of a batch: given outright, or asked of each client's state once the batch has read it
 * (so a re-evaluation reads each stream once).
 */
export type Questions =
  | readonly Request[]
  | { clientIds: readonly string[]; ask: (clientId: string, state: ClientEligibility) => Request[] };

/**
 * The facts of each client, with those of records merged into it (a merged record's own birth date and
 * death stay its own). One query for the whole batch, each client's facts as one JSON array: a fifth
 * of the rows to parse, which at 530,000 clients is a good part of a re-evaluation's work here.
 */
export async function factRowsOf(
  ctx: ServiceContext,
  ex: Executor,
  clientIds: readonly string[],
): Promise<Map<string, FactRow[]>> {
  const s = sql.id(ctx.store.schema);
  const { rows } = await sql<{ client_id: string; owner: string | null; facts: string }>`
    WITH merged AS (
      SELECT client_id, merged_into FROM ${s}.client_directory WHERE merged_into = ANY(${clientIds as string[]}::uuid[])
    )
    SELECT f.client_id::text, (SELECT merged_into::text FROM merged m WHERE m.client_id = f.client_id) AS owner,
      json_agg(json_build_object('eventId', f.event_id, 'clientId', f.client_id, 'type', f.type, 'data', f.deciding,
        'recordedAt', to_char(f.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text AS facts
    FROM ${s}.client_facts f
    WHERE f.client_id = ANY(${clientIds as string[]}::uuid[] || ARRAY(SELECT client_id FROM merged))
    GROUP BY f.client_id`.execute(ex);
  const out = new Map(clientIds.map((id) => [id, [] as FactRow[]]));
  for (const row of rows) {
    const facts = JSON.parse(row.facts) as FactRow[];
    out.get(row.client_id)?.push(...facts);
    if (row.owner !== null) out.get(row.owner)!.push(...facts.filter((f) => !PERSONAL.has(f.type)));
  }
  return out;
}

/** A merged record's own birth date and death stay its own. */
const PERSONAL = new Set(['ClientRegistered', 'ClientDetailsCorrected', 'ClientDied']);

/**
 * Decides a batch of questions as one unit of work in the holder's transaction: reads every client's
 * eligibility stream (in one round trip) and facts at once, evaluates each question under the rule-set
 * version in force on its date, and appends every client's events in one append, each stream at the
 * version it was read at (a concurrent change fails the transaction, which its holder decides again).
 * Returns the determinations recorded (a rule-set change records none where the one in force stands)
 * and how many changed an outcome.
 */
export async function determineAll(
  ctx: ServiceContext,
  tx: Tx,
  questions: Questions,
  cause: Cause,
  ruleSets: RuleSets = new RuleSets(ctx, tx),
): Promise<{ determinations: Determination[]; changed: number }> {
  const asked = 'ask' in questions;
  const clientIds = [...new Set(asked ? questions.clientIds : questions.map((r) => r.clientId))];
  if (clientIds.length === 0) return { determinations: [], changed: 0 };
  const knownAt = ctx.clock().toISOString();
  return unitOfWork(ctx, { definitions, cause, tx }, async (unit) => {
    const [streams, facts] = await Promise.all([
      unit.load(
        clientIds.map((id) => ({
          streamId: eligibilityStream(id),
          streamType: 'eligibility',
          decider: eligibilityDecider,
        })),
      ),
      factRowsOf(ctx, tx, clientIds),
    ]);
    const held = new Map(clientIds.map((id, i) => [id, streams[i]!]));
    const requests = asked ? clientIds.flatMap((id) => questions.ask(id, held.get(id)!.state)) : questions;
    const known = new Map(clientIds.map((id) => [id, knownFacts(facts.get(id)!, knownAt)]));
    // every rule set the batch may need, in one read rather than one per municipality
    await ruleSets.prepare(requests);
    const determinations: Determination[] = [];
    let changed = 0;
    for (const r of requests) {
      const rules = await ruleSets.inForce(r.serviceType, r.municipality, r.asOf);
      const evaluation = evaluate(rules, known.get(r.clientId)!, r);
      const determination = {
        determinationId: ctx.newId(),
        clientId: r.clientId,
        serviceType: r.serviceType,
        municipality: r.municipality,
        ...(r.applicationId ? { applicationId: r.applicationId } : {}),
        asOf: r.asOf,
        knownAt,
        ruleSet: { ruleSetId: rules.ruleSetId, version: rules.version },
        ...evaluation,
        trigger: r.trigger,
      } as Determination;
      const { events } = unit.decide(held.get(r.clientId)!, eligibilityDecider, {
        type: 'Determine',
        determination,
      });
      changed += events.filter((e) => e.type === 'EligibilityChanged').length;
      if (events.length > 0) determinations.push(determination);
    }
    return { determinations, changed };
  });
}

/**
 * One question asked now (over HTTP), in a transaction of its own: a consumer re-evaluating the same
 * client at the same moment makes it decide again on the new state.
 */
export async function determineNow(
  ctx: ServiceContext,
  request: Request,
  cause: Cause,
): Promise<Determination> {
  const { determinations } = await inTransaction(ctx, (tx) => determineAll(ctx, tx, [request], cause));
  return determinations[0]!;
}

/** The questions that re-evaluate every current determination of these clients, on a date. */
export const currentQuestions = (
  clientIds: readonly string[],
  asOf: LocalDate,
  trigger: Determination['trigger'],
): Questions => ({
  clientIds,
  ask: (clientId, state) =>
    [...state.byService.values()].map(({ current }) => ({
      clientId,
      serviceType: current.serviceType,
      municipality: current.municipality,
      ...(current.applicationId ? { applicationId: current.applicationId } : {}),
      asOf,
      trigger,
    })),
});
