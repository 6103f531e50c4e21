import type { EventStore, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import type { BatchHandler, EventHandler, IncomingEvent } from './types.js';

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

/** What applying events in order did: how many took effect or were duplicates, and the first failure. */
export type BatchOutcome = {
  applied: number;
  duplicates: number;
  failed?: { index: number; error: unknown };
  /**
   * The batch handler failed where `handle`, one event at a time, applied the whole batch: a fault of
   * the batch handler (every batch then takes the slow path), worth a warning.
   */
  batchHandlerFailed?: unknown;
};

/**
 * Applies events in order in the caller's transaction, stopping at the first that fails (stop the
 * line: nothing after it runs, everything before it stays). Optimistic: the whole batch is claimed in
 * one statement and handled behind one savepoint (by `handleBatch` when given, in one go); only when
 * something in it fails is it rolled back and applied again event by event (`applyOne`, with `handle`),
 * to find the failing event and keep the ones before it.
 */
export async function applyInOrder(
  target: EventStore,
  consumer: string,
  events: IncomingEvent[],
  handle: EventHandler,
  tx: Tx,
  handleBatch?: BatchHandler,
): Promise<BatchOutcome> {
  let batchError: unknown;
  if (events.length > 1) {
    await sql`SAVEPOINT inbox_batch`.execute(tx);
    try {
      const outcome = await claimAndHandle(target, consumer, events, handleBatch ?? eachIn(handle), tx);
      await sql`RELEASE SAVEPOINT inbox_batch`.execute(tx);
      return outcome;
    } catch (e) {
      // the failure is found and reported by the careful pass below (if even the rollback fails, the
      // connection is gone and the batch's transaction fails as a whole)
      await sql`ROLLBACK TO SAVEPOINT inbox_batch`.execute(tx);
      batchError = e;
    }
  }
  const outcome: BatchOutcome = { applied: 0, duplicates: 0 };
  for (const [index, event] of events.entries()) {
    const one = await applyOne(target, consumer, event, handle, tx);
    if (one.result === 'failed') return { ...outcome, failed: { index, error: one.error } };
    outcome[one.result === 'applied' ? 'applied' : 'duplicates']++;
  }
  return handleBatch && batchError !== undefined ? { ...outcome, batchHandlerFailed: batchError } : outcome;
}

/** A uuid's hex digits in lower case: the same id in any form PostgreSQL reads (braced, bare, upper case). */
export const idDigits = (uuid: string) => uuid.toLowerCase().replace(/[^0-9a-f]/g, '');

/** A batch handled by `handle` on each event in turn. */
const eachIn =
  (handle: EventHandler): BatchHandler =>
  async (events, tx) => {
    for (const event of events) await handle(event, tx);
  };

/**
 * Applies events in order: each run of consecutive events `batchable` takes with one call of `many`,
 * every other event with `one`. For a handler whose common events can be kept together (an insert of a
 * run's rows in one statement) while the others need their own statements, in the order they came.
 */
export async function inRuns(
  events: IncomingEvent[],
  tx: Tx,
  batchable: (event: IncomingEvent) => boolean,
  many: BatchHandler,
  one: EventHandler,
): Promise<void> {
  let run: IncomingEvent[] = [];
  for (const event of events) {
    if (batchable(event)) {
      run.push(event);
      continue;
    }
    if (run.length) await many(run, tx);
    run = [];
    await one(event, tx);
  }
  if (run.length) await many(run, tx);
}

/** Claims every event in one statement and handles those claimed, in order; throws on any failure. */
async function claimAndHandle(
  target: EventStore,
  consumer: string,
  events: IncomingEvent[],
  handle: BatchHandler,
  tx: Tx,
): Promise<BatchOutcome> {
  const { rows } = await sql<{
    event_id: string;
  }>`INSERT INTO ${sql.id(target.schema)}.inbox (consumer, event_id)
    SELECT ${consumer}, unnest(${events.map((e) => e.eventId)}::uuid[])
    ON CONFLICT DO NOTHING RETURNING event_id::text`.execute(tx);
  // an id met twice in one batch is claimed once: the first time it is met is the one applied. Ids are
  // compared by their hex digits: PostgreSQL answers in its canonical form whatever form it was given
  const claimed = new Set(rows.map((r) => idDigits(r.event_id)));
  const fresh = events.filter((event) => claimed.delete(idDigits(event.eventId)));
  // a claim matched to no event would commit an event as seen without its effect: never let it
  if (claimed.size > 0) throw new Error('an inbox claim matched no event of the batch');
  if (fresh.length) await handle(fresh, tx);
  return { applied: fresh.length, duplicates: events.length - fresh.length };
}
