import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalDate, sofiaDate } from '@casework/contracts';
import { stillToProject, type Tx } from '@casework/eventstore';
import type { ServiceContext, Worker } from '@casework/service-kit';
import { sql } from 'kysely';
import { determineAll } from '../application/determine.js';
import { RuleSets } from '../application/ruleSets.js';
import { stillToDecide, toRequest } from '../application/standing.js';
import { answeredPage, type CoveredRow, coveredColumns } from '../projections/coveredQueries.js';
import { eligibilityProjection } from '../projections/eligibility.js';

export type Job = {
  job_id: string;
  service_type: string;
  municipality: string | null;
  caused_by: string;
  cursor: string | null;
  part: number;
  until: string | null;
};

/**
 * The first part of a job due on the date that no other transaction holds (locked for this one), once
 * every transaction of this database with an id before the one that scheduled the job has ended (the
 * event store's frontier: one open in another database of the server cannot decide here) and the
 * determinations they recorded are in the read model the job pages through (a client's first one would
 * be missed).
 */
export async function nextPart(tx: Tx, schema: string, today: LocalDate): Promise<Job | undefined> {
  const { rows } = await sql<Job>`SELECT job_id, service_type, municipality, caused_by::text, cursor::text,
      part, until::text
    FROM ${sql.id(schema, 'reevaluations')} AS r WHERE finished_at IS NULL AND due_on <= ${today}::date
      AND (hold_until IS NULL OR (hold_until <= ${sql.id(schema, 'safe_frontier')}()
        AND NOT ${stillToProject(schema, eligibilityProjection(schema), sql`e.transaction_id < r.hold_until`)}))
    ORDER BY due_on, job_id, part LIMIT 1 FOR UPDATE OF r SKIP LOCKED`.execute(tx);
  return rows[0];
}

export type ReevaluationOptions = {
  batchSize?: number;
  pollMs?: number;
  /**
   * Batches worked at once, each on another part of a job (default 2): one batch's reads and writes
   * wait on the database while another's evaluation runs here.
   */
  lanes?: number;
};

/**
 * Works through due re-evaluation jobs (a rule-set version taking effect or retiring), one batch of
 * determinations per transaction with its part's cursor in the same transaction, so a crash repeats
 * nothing and loses nothing: each is evaluated under the version in force, and a new determination
 * recorded where it answers differently. Then re-evaluates determinations whose validity has ended.
 */
export class Reevaluation {
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #lanes: number;

  constructor(
    private readonly ctx: ServiceContext,
    options: ReevaluationOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? 2000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#lanes = options.lanes ?? 2;
  }

  /** One batch of the first due part of a job that no other lane holds; false when none is due. */
  async jobBatch(): Promise<boolean> {
    const s = this.ctx.store.schema;
    const today = sofiaDate(this.ctx.clock());
    return this.ctx.store.db.transaction().execute(async (tx) => {
      const job = await nextPart(tx, s, today);
      if (!job) return false;
      const due = await answeredPage(
        tx,
        s,
        { serviceType: job.service_type, municipality: job.municipality },
        { after: job.cursor, until: job.until },
        this.#batchSize,
      );
      const trigger = { kind: 'rule_set' as const, eventId: job.caused_by };
      const ruleSets = new RuleSets(this.ctx, tx);
      const { determinations, changed } = await determineAll(
        this.ctx,
        tx,
        await stillToDecide(this.ctx, tx, due, today, trigger, ruleSets),
        { correlationId: `reevaluation:${job.job_id}`, causationId: job.caused_by },
        ruleSets,
      );
      await sql`UPDATE ${sql.id(s, 'reevaluations')} SET
          cursor = ${due.length ? due[due.length - 1]!.client_id : job.cursor}::uuid,
          evaluated = evaluated + ${due.length}, recorded = recorded + ${determinations.length},
          changed = changed + ${changed},
          started_at = coalesce(started_at, now()),
          finished_at = ${due.length < this.#batchSize ? sql`now()` : sql`NULL`}
        WHERE job_id = ${job.job_id} AND part = ${job.part}`.execute(tx);
      return true;
    });
  }

  /** Re-evaluates up to one batch of determinations whose validity ended before today. */
  async expiryBatch(): Promise<number> {
    const s = this.ctx.store.schema;
    const today = sofiaDate(this.ctx.clock());
    return this.ctx.store.db.transaction().execute(async (tx) => {
      const { rows } = await sql<CoveredRow>`
        SELECT ${coveredColumns} FROM ${sql.id(s, 'determinations')} AS d
        WHERE valid_until < ${today}::date ORDER BY d.valid_until, d.client_id LIMIT ${this.#batchSize}`.execute(
        tx,
      );
      // the read model may lag behind a re-evaluation already made: the streams say what is current
      const { determinations } = await determineAll(
        this.ctx,
        tx,
        {
          clientIds: rows.map((r) => r.client_id),
          ask: (clientId, state) =>
            rows
              .filter((r) => r.client_id === clientId)
              .filter((r) => (state.byService.get(r.service_type)?.current.validUntil ?? today) < today)
              .map((r) => toRequest(r, today, { kind: 'expiry' })),
        },
        { correlationId: `expiry:${today}` },
      );
      return determinations.length;
    });
  }

  #running = false;
  #loop: Promise<void> | undefined;
  readonly #wake = new Set<() => void>();

  worker(): Worker {
    return {
      name: 'reevaluation',
      start: () => {
        this.#running = true;
        // the first lane also looks after expired determinations
        this.#loop = Promise.all(
          Array.from({ length: this.#lanes }, (_, lane) => this.#run(lane === 0)),
        ).then(() => {});
      },
      stop: async () => {
        this.#running = false;
        for (const wake of this.#wake) wake();
        await this.#loop;
      },
    };
  }

  async #run(expiries: boolean): Promise<void> {
    let failures = 0;
    while (this.#running) {
      let busy = false;
      try {
        busy = (await this.jobBatch()) || (expiries && (await this.expiryBatch()) > 0);
        failures = 0;
      } catch (e) {
        failures++;
        this.ctx.log.warn({ err: (e as Error).message, failures }, 're-evaluation batch failed; will retry');
      }
      if (busy && !failures) continue;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wake.delete(wake);
          resolve();
        };
        this.#wake.add(wake);
        sleep(failures ? Math.min(30_000, 500 * 2 ** failures) : this.#pollMs).then(wake);
      });
    }
  }
}
