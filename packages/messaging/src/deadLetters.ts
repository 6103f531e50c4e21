import type { EventStore, Executor } from '@casework/eventstore';
import { sql } from 'kysely';
import { applyOne } from './inbox.js';
import type { EventHandler, IncomingEvent } from './types.js';

export type DeadLetter = {
  id: string;
  consumer: string;
  eventId: string;
  subject: string;
  type: string;
  error: string;
  deliveries: number;
  failedAt: string;
  replayedAt: string | null;
};

type Row = {
  id: string;
  consumer: string;
  event_id: string;
  subject: string;
  type: string;
  data: unknown;
  metadata: IncomingEvent['metadata'];
  error: string;
  deliveries: number;
  failed_at: Date;
  replayed_at: Date | null;
};

/** An error's class and message only: never a stack, never the payload (it may name a person). */
export const describeError = (e: unknown) =>
  e instanceof Error ? `${e.name}: ${e.message}` : 'non-error thrown';

/** Messages a consumer gave up on, kept in the consuming service's schema; listable and replayable. */
export class DeadLetters {
  constructor(private readonly target: EventStore) {}

  private get s() {
    return sql.id(this.target.schema);
  }

  async record(ex: Executor, consumer: string, event: IncomingEvent, error: unknown, deliveries: number) {
    await sql`INSERT INTO ${this.s}.dead_letters (consumer, event_id, subject, type, data, metadata, error, deliveries)
      VALUES (${consumer}, ${event.eventId}::uuid, ${`${event.source}.${event.type}`}, ${event.type},
        ${JSON.stringify(event.data)}::jsonb, ${JSON.stringify(event.metadata)}::jsonb, ${describeError(error)}, ${deliveries})
      ON CONFLICT (consumer, event_id) DO UPDATE SET error = excluded.error, deliveries = excluded.deliveries,
        failed_at = now(), replayed_at = NULL`.execute(ex);
  }

  async list(options: { consumer?: string; includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    const { rows } =
      await sql<Row>`SELECT id::text, consumer, event_id::text, subject, type, data, metadata, error,
        deliveries, failed_at, replayed_at FROM ${this.s}.dead_letters AS l
      WHERE (${options.consumer ?? null}::text IS NULL OR consumer = ${options.consumer ?? null})
        AND (${options.includeReplayed ?? false} OR replayed_at IS NULL)
      ORDER BY l.id`.execute(this.target.db);
    return rows.map((r) => ({
      id: r.id,
      consumer: r.consumer,
      eventId: r.event_id,
      subject: r.subject,
      type: r.type,
      error: r.error,
      deliveries: r.deliveries,
      failedAt: new Date(r.failed_at).toISOString(),
      replayedAt: r.replayed_at ? new Date(r.replayed_at).toISOString() : null,
    }));
  }

  /**
   * Runs a dead letter through its consumer's handler again (once the cause is fixed). Returns false
   * when it fails again; the letter then stays, with the new error.
   */
  async replay(
    id: string,
    handlers: Record<string, EventHandler>,
  ): Promise<'replayed' | 'failed' | 'not_found'> {
    return this.target.transaction(async (tx) => {
      const { rows } =
        await sql<Row>`SELECT id::text, consumer, event_id::text, subject, type, data, metadata, error,
          deliveries, failed_at, replayed_at FROM ${this.s}.dead_letters WHERE id = ${id}::bigint
          AND replayed_at IS NULL FOR UPDATE`.execute(tx);
      const row = rows[0];
      const handle = row && handlers[row.consumer];
      if (!row || !handle) return 'not_found';
      const event: IncomingEvent = {
        eventId: row.event_id,
        type: row.type,
        source: row.metadata.source,
        data: row.data,
        metadata: row.metadata,
      };
      const outcome = await applyOne(this.target, row.consumer, event, handle, tx);
      if (outcome.result === 'failed') {
        await sql`UPDATE ${this.s}.dead_letters SET error = ${describeError(outcome.error)}, deliveries = deliveries + 1
          WHERE id = ${id}::bigint`.execute(tx);
        return 'failed';
      }
      await sql`UPDATE ${this.s}.dead_letters SET replayed_at = now() WHERE id = ${id}::bigint`.execute(tx);
      return 'replayed';
    });
  }
}
