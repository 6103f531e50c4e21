import { setTimeout as sleep } from 'node:timers/promises';
import { sofiaDate } from '@casework/contracts';
import type { ServiceContext, Worker } from '@casework/service-kit';
import { sql } from 'kysely';
import { type CoveredRow, coveredColumns, coveredPage } from '../application/covered.js';
import { determineAll, type Request } from '../application/determine.js';
import { RuleSets } from '../application/ruleSets.js';

type Job = {
  job_id: string;
  service_type: string;
  municipality: string | null;
  caused_by: string;
  cursor: string | null;
  part: number;
  until: string | null;
};

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
 * nothing and loses nothing; then re-evaluates determinations whose validity has ended.
 */
export class Reevaluation {
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #lanes: number;

  constructor(
    private readonly ctx: ServiceContext,
    options: ReevaluationOptions = {},
  ) {
    this.#batchSize = options.batchSize ?? 1000;
    this.#pollMs = options.pollMs ?? 1000;
    this.#lanes = options.lanes ?? 2;
  }

  /** One batch of the first due part of a job that no other lane holds; false when none is due. */
  async jobBatch(): Promise<boolean> {
    const s = this.ctx.store.schema;
    const today = sofiaDate(this.ctx.clock());
    return this.ctx.store.db.transaction().execute(async (tx) => {
      const { rows } =
        await sql<Job>`SELECT job_id, service_type, municipality, caused_by::text, cursor::text,
          part, until::text
        FROM ${sql.id(s, 'reevaluations')} WHERE finished_at IS NULL AND due_on <= ${today}::date
        ORDER BY due_on, job_id, part LIMIT 1 FOR UPDATE SKIP LOCKED`.execute(tx);
      const job = rows[0];
      if (!job) return false;
      const due = await coveredPage(
        tx,
        s,
        { serviceType: job.service_type, municipality: job.municipality },
        { after: job.cursor, until: job.until },
        this.#batchSize,
      );
      const trigger = { kind: 'rule_set' as const, eventId: job.caused_by };
      const { changed } = await determineAll(
        this.ctx,
        tx,
        due.map((r) => toRequest(r, today, trigger)),
        { correlationId: `reevaluation:${job.job_id}`, causationId: job.caused_by },
        new RuleSets(this.ctx, tx),
      );
      await sql`UPDATE ${sql.id(s, 'reevaluations')} SET
          cursor = ${due.length ? due[due.length - 1]!.client_id : job.cursor}::uuid,
          evaluated = evaluated + ${due.length}, changed = changed + ${changed},
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

const toRequest = (r: CoveredRow, asOf: string, trigger: Request['trigger']): Request => ({
  clientId: r.client_id,
  serviceType: r.service_type,
  municipality: r.municipality,
  ...(r.application_id ? { applicationId: r.application_id } : {}),
  asOf,
  trigger,
});
