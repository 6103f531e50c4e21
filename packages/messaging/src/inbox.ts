import type { EventStore, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import type { EventHandler, IncomingEvent } from './types.js';

export type Outcome = { event: IncomingEvent; result: 'applied' | 'duplicate' | 'failed'; error?: unknown };

/**
 * Applies one event in the caller's transaction: claimed in the inbox (a duplicate is skipped) and
 * handled behind a savepoint, so a failure rolls back only this event's effect.
 */
export async function applyOne(
  target: EventStore,
  consumer: string,
  event: IncomingEvent,
  handle: EventHandler,
  tx: Tx,
): Promise<Outcome> {
  await sql`SAVEPOINT inbox_event`.execute(tx);
  try {
    const claimed =
      await sql`INSERT INTO ${sql.id(target.schema)}.inbox (consumer, event_id) VALUES (${consumer}, ${event.eventId}::uuid)
      ON CONFLICT DO NOTHING RETURNING event_id`.execute(tx);
    const result = claimed.rows.length === 0 ? 'duplicate' : 'applied';
    if (result === 'applied') await handle(event, tx);
    await sql`RELEASE SAVEPOINT inbox_event`.execute(tx);
    return { event, result };
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT inbox_event`.execute(tx);
    return { event, result: 'failed', error };
  }
}

/** Applies events in order, stopping at the first that fails (stop the line: nothing after it runs). */
export async function applyBatch(
  target: EventStore,
  consumer: string,
  events: IncomingEvent[],
  handle: EventHandler,
  tx: Tx,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const event of events) {
    const outcome = await applyOne(target, consumer, event, handle, tx);
    outcomes.push(outcome);
    if (outcome.result === 'failed') break;
  }
  return outcomes;
}
