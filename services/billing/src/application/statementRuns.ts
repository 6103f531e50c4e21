import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  DomainError,
  type LocalDate,
  type Month,
  type MunicipalityCode,
  type StatementRunRecord,
} from '@casework/contracts';
import { isTransient } from '@casework/eventstore';
import { type Cause, inJurisdiction, type Jurisdiction, type ServiceContext } from '@casework/service-kit';
import { sql } from 'kysely';
import type { z } from 'zod';
import { periodStream } from './events.js';
import { assertMonthEnded, assertOpen, issueStatements, type RunSummary } from './issueStatements.js';

/** How long a run's lease lasts unrenewed (each chunk renews it): the longest a killed run waits. */
const LEASE_SECONDS = 60;
/** Attempts at a run that fails for a cause that is not a refusal by the rules, before it is failed. */
const ATTEMPTS = 3;

export type StatementRunRow = {
  run_id: string;
  municipality: MunicipalityCode;
  month: Month;
  requested_on: string;
  cause: Cause;
  status: z.infer<typeof StatementRunRecord>['status'];
  attempts: number;
  clients: number | null;
  done: number | null;
  result: RunSummary | null;
  problem: { code: string; detail: string } | null;
};

const runs = (ctx: ServiceContext) => sql.id(ctx.store.schema, 'statement_runs');

/**
 * Queues a month's run to be done in the background, once what would refuse it at once has been checked
 * (a month not ended, a month closed). While one is queued or running for the month it is the answer:
 * asking twice runs once.
 */
export async function requestRun(
  ctx: ServiceContext,
  input: { municipality: MunicipalityCode; month: Month; today: LocalDate; cause: Cause },
): Promise<string> {
  const { municipality, month, today } = input;
  assertMonthEnded(month, today);
  assertOpen(month, (await ctx.store.readStream(periodStream(municipality, month))).events);
  for (;;) {
    const { rows } = await sql<{ run_id: string }>`INSERT INTO ${runs(ctx)}
        (run_id, municipality, month, requested_on, cause, status)
      VALUES (${ctx.newId()}::uuid, ${municipality}, ${month}, ${today}::date, ${JSON.stringify(input.cause)}::jsonb,
        'queued')
      ON CONFLICT (municipality, month) WHERE status IN ('queued', 'running') DO NOTHING
      RETURNING run_id::text`.execute(ctx.store.db);
    if (rows[0]) return rows[0].run_id;
    const under = await sql<{ run_id: string }>`SELECT run_id::text FROM ${runs(ctx)}
      WHERE municipality = ${municipality} AND month = ${month} AND status IN ('queued', 'running')`.execute(
      ctx.store.db,
    );
    // the one under way may have ended between the two statements: queue a new one then
    if (under.rows[0]) return under.rows[0].run_id;
  }
}

/** A run as its API shows it; undefined when there is none of that id in the caller's scope (`inScope`). */
export async function runRecord(
  ctx: ServiceContext,
  runId: string,
  jurisdiction: Jurisdiction,
): Promise<z.infer<typeof StatementRunRecord> | undefined> {
  const { rows } =
    await sql<StatementRunRow>`SELECT run_id::text, municipality, month, requested_on::text, cause, status,
      attempts, clients, done, result, problem FROM ${runs(ctx)} WHERE run_id = ${runId}::uuid
      AND ${inJurisdiction(jurisdiction, sql.ref('municipality'))}`.execute(ctx.store.db);
  const r = rows[0];
  if (!r) return undefined;
  return {
    runId: r.run_id,
    municipality: r.municipality,
    month: r.month,
    status: r.status,
    requestedOn: r.requested_on,
    ...(r.clients !== null ? { clients: r.clients } : {}),
    ...(r.done !== null ? { done: r.done } : {}),
    ...(r.result ? { result: r.result } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

/**
 * Takes the runs waiting (queued, or running under a lease that ended: its instance was killed or cut
 * off) one at a time and does each, as if asked on the day it was asked. A run states no month twice,
 * so one taken again goes on where it stopped. A refusal by the rules fails the run with its reason;
 * another failure is tried again later, a few times.
 */
export async function runWaitingStatementRuns(ctx: ServiceContext): Promise<number> {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let ran = 0;
  for (;;) {
    const { rows } =
      await sql<StatementRunRow>`UPDATE ${runs(ctx)} SET status = 'running', holder = ${holder},
        attempts = attempts + 1, lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
      WHERE run_id = (SELECT run_id FROM ${runs(ctx)}
        WHERE status IN ('queued', 'running') AND not_before <= now()
          AND (status = 'queued' OR lease_until < now())
        ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING run_id::text, municipality, month, requested_on::text, cause, status, attempts, clients, done,
        result, problem`.execute(ctx.store.db);
    const run = rows[0];
    if (!run) return ran;
    ran++;
    await runOne(ctx, run, holder);
  }
}

/** The run's lease was taken by another instance (this one was paused past it): that one goes on. */
class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/**
 * Does one run taken under `holder`'s lease, renewing it with each chunk. A renewal that finds the run
 * no longer held (its lease ended while this instance was paused, and another took it) stops before the
 * next chunk and leaves the run to its new holder. A chunk under way when the lease ended still
 * finishes beside the new holder: harmless, as a run states no month twice.
 */
export async function runOne(ctx: ServiceContext, run: StatementRunRow, holder: string): Promise<void> {
  const mine = sql`run_id = ${run.run_id}::uuid AND holder = ${holder}`;
  try {
    const result = await issueStatements(ctx, {
      municipality: run.municipality,
      month: run.month,
      today: run.requested_on,
      cause: run.cause,
      progress: async ({ clients, done }) => {
        const renewed = await sql`UPDATE ${runs(ctx)} SET clients = ${clients}, done = ${done},
            lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
          WHERE ${mine}`.execute(ctx.store.db);
        if (renewed.numAffectedRows === 0n) throw new LeaseLost();
      },
    });
    await sql`UPDATE ${runs(ctx)} SET status = 'done', result = ${JSON.stringify(result)}::jsonb,
        finished_at = now(), lease_until = NULL WHERE ${mine}`.execute(ctx.store.db);
  } catch (e) {
    if (e instanceof LeaseLost) {
      ctx.log.warn({ runId: run.run_id }, 'run taken over by another instance; stopping here');
      return;
    }
    const refused = e instanceof DomainError;
    if (!refused && (isTransient(e) || run.attempts < ATTEMPTS)) {
      ctx.log.warn(
        { runId: run.run_id, attempts: run.attempts, err: { type: (e as Error).name } },
        'run failed; will retry',
      );
      // back in the queue after a pause that grows with each attempt
      await sql`UPDATE ${runs(ctx)} SET status = 'queued', holder = NULL, lease_until = NULL,
          not_before = now() + make_interval(secs => ${Math.min(600, 10 * 2 ** run.attempts)})
        WHERE ${mine}`.execute(ctx.store.db);
      return;
    }
    ctx.log.error({ runId: run.run_id, err: { type: (e as Error).name } }, 'run failed');
    // a refusal's message is the rule's own; anything else is told by its correlation id only
    const problem = refused
      ? { code: e.code, detail: e.message }
      : { code: 'INTERNAL', detail: `the run failed; quote correlation id ${run.cause.correlationId}` };
    await sql`UPDATE ${runs(ctx)} SET status = 'failed', problem = ${JSON.stringify(problem)}::jsonb,
        finished_at = now(), lease_until = NULL WHERE ${mine}`.execute(ctx.store.db);
  }
}
