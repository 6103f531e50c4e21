import type { EventStore, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import type { EventHandler, IncomingEvent } from './types.js';

export type Outcome = { event: IncomingEvent; result: 'applied' | 'duplicate' | 'failed'; error?: unknown };

/**
 * Applies a batch in the caller's transaction: each event is claimed in the inbox (a duplicate is
 * skipped) and handled behind a savepoint, so one failing event rolls back only its own effect.
 */
export async function applyBatch(
  target: EventStore,
  consumer: string,
  events: IncomingEvent[],
  handle: EventHandler,
  tx: Tx,
): Promise<Outcome[]> {
  const s = sql.id(target.schema);
  const outcomes: Outcome[] = [];
  for (const event of events) {
    await sql`SAVEPOINT inbox_event`.execute(tx);
    try {
      const claimed =
        await sql`INSERT INTO ${s}.inbox (consumer, event_id) VALUES (${consumer}, ${event.eventId}::uuid)
        ON CONFLICT DO NOTHING RETURNING event_id`.execute(tx);
      if (claimed.rows.length === 0) {
        outcomes.push({ event, result: 'duplicate' });
      } else {
        await handle(event, tx);
        outcomes.push({ event, result: 'applied' });
      }
      await sql`RELEASE SAVEPOINT inbox_event`.execute(tx);
    } catch (error) {
      await sql`ROLLBACK TO SAVEPOINT inbox_event`.execute(tx);
      outcomes.push({ event, result: 'failed', error });
    }
  }
  return outcomes;
}
