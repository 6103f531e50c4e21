import type { EventDefinition } from '@casework/contracts';
import { type EventStore, type Position, START } from '@casework/eventstore';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from './auth.js';
import { decodeTaggedCursor, encodeCursor } from './cursor.js';
import type { HostedService } from './hosting.js';
import { badRequest } from './problems.js';
import { integratorEvents, PublicEvent, publicEvent, visibleTo } from './publicEvents.js';
import { jurisdictionOf } from './scope.js';

const FeedPage = z
  .object({
    items: z.array(PublicEvent),
    caughtUp: z.boolean().meta({
      description:
        'True when the page reached the last event published so far; false when more follow at once ' +
        '(an empty page that is not caught up passed over a long stretch outside your scope or types)',
    }),
    next: z.string().meta({
      description: 'Where to go on from: send it as `after`. Always given, also after an empty page',
    }),
  })
  .meta({ id: 'FeedPage', example: { items: [], caughtUp: true, next: 'l9G0sT0m8b1Kc2Q.Zx4mXw' } });

const FeedQuery = z.object({
  after: z.string().max(512).optional().meta({
    description: "The previous page's `next`; without it the feed starts at the service's first event",
  }),
  types: z.string().max(2000).optional().meta({
    description: 'Comma-separated event names of this service (`Admitted,Discharged`); all when absent',
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  wait: z.coerce.number().int().min(0).max(25).default(0).meta({
    description: 'Seconds to wait for an event when none is there yet (long polling); 0 answers at once',
  }),
});

/** Pages of the log one request reads at most to find an event in the caller's scope. */
const MAX_READS = 20;

/**
 * Long polls one instance holds open at once, and one caller; past them a poll is answered at once, as
 * without `wait`.
 */
const MAX_WAITING = 1000;
const MAX_WAITING_PER_CALLER = 10;
/** Commits within this many milliseconds wake the waiting polls once: one read each, not one per commit. */
const WAKE_EVERY_MS = 100;

/**
 * The event feed (ADR 14): a service's published events in the order its NATS stream holds them, with
 * the same ids, for integrators who would rather page over HTTP than run a NATS consumer. Only events
 * of the caller's jurisdiction, and of each only its references.
 */
export const feedRoutes: FastifyPluginAsyncZod<{ hosted: HostedService }> = async (app, { hosted: h }) => {
  const events = integratorEvents(h.module.events);
  // a cursor of this service's feed: positions of another service's log mean nothing here
  const cursorTag = `feed:${h.module.name}`;
  const byName = new Map(events.map((d) => [d.name, d]));
  app.get(
    `/v1/events/${h.module.name}`,
    {
      config: { roles: ['integrator', 'admin'] },
      schema: {
        tags: ['events'],
        summary: `${h.module.name}'s events for integrators, in order, replayable from the first`,
        description:
          `Pages the events ${h.module.name} published to NATS that integrators may follow (those naming ` +
          'records an integrator may read: see the event catalogue), in the order of its NATS stream and ' +
          "with the same ids, within the caller's jurisdiction (an integrator of an oblast sees its " +
          "municipalities' events). Each event carries its references, never personal data. Long polling: " +
          '`wait` holds an empty page open until an event arrives.',
        querystring: FeedQuery,
        response: { 200: FeedPage },
      },
    },
    async (request) => {
      const wanted = typesAsked(events, request.query.types, h.module.name);
      const j = jurisdictionOf(principalOf(request));
      const { limit, wait } = request.query;
      let after = positionAfter(request.query.after, cursorTag);
      const deadline = Date.now() + wait * 1000;
      const known = signalOf(h.ctx.store);
      const caller = principalOf(request).sub;
      const signal = wait > 0 && known.mayWait(caller) ? known : undefined;
      let reads = 0;
      for (;;) {
        // appends counted before the read: one committed while the page is read ends the wait at once
        const seen = signal?.count ?? 0;
        const page = await h.ctx.store.readLog(after, { types: wanted, limit });
        const items = page.events
          .filter((e) => visibleTo(j, e))
          .map((e) => publicEvent(byName.get(e.type)!, e, j));
        after = page.through;
        const caughtUp = page.events.length < limit;
        // a stretch of other jurisdictions' events is passed over here, not page by page by the caller
        if (items.length === 0 && !caughtUp && ++reads < MAX_READS) continue;
        const left = deadline - Date.now();
        if (items.length > 0 || !caughtUp || left <= 0 || !signal)
          return {
            items,
            caughtUp,
            next: encodeCursor([cursorTag, after.transactionId, after.globalPosition]),
          };
        await signal.after(seen, left, caller);
      }
    },
  );
};

/**
 * Wakes long polls when the service's log grows: one listener on the store's notifications for all
 * of them (a listener each would pile up on the emitter), with a count so none misses an append that
 * came between its read and its wait.
 */
class AppendSignal {
  count = 0;
  readonly #waiting = new Set<() => void>();
  readonly #byCaller = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(store: EventStore) {
    store.notifications.on('appended', () => {
      this.count++;
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        for (const wake of this.#waiting) wake();
      }, WAKE_EVERY_MS).unref();
    });
  }

  mayWait(caller: string): boolean {
    return this.#waiting.size < MAX_WAITING && (this.#byCaller.get(caller) ?? 0) < MAX_WAITING_PER_CALLER;
  }

  /** Resolves at the first append after `seen` appends were counted, or after `ms`. */
  after(seen: number, ms: number, caller: string): Promise<void> {
    if (this.count !== seen) return Promise.resolve();
    this.#byCaller.set(caller, (this.#byCaller.get(caller) ?? 0) + 1);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        const left = (this.#byCaller.get(caller) ?? 1) - 1;
        if (left > 0) this.#byCaller.set(caller, left);
        else this.#byCaller.delete(caller);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiting.add(done);
    });
  }
}

const signals = new WeakMap<EventStore, AppendSignal>();
const signalOf = (store: EventStore) => {
  const known = signals.get(store);
  if (known) return known;
  const signal = new AppendSignal(store);
  signals.set(store, signal);
  return signal;
};

function typesAsked(
  events: readonly EventDefinition[],
  asked: string | undefined,
  service: string,
): string[] {
  const names = events.map((d) => d.name);
  if (asked === undefined) return names;
  const list = asked.split(',').map((s) => s.trim());
  const unknown = list.find((n) => !names.includes(n));
  if (unknown !== undefined)
    throw badRequest(
      'query.types',
      `${unknown || '(empty)'} is not an event ${service} publishes to integrators`,
    );
  return list;
}

/** A feed cursor is tagged with its service: one of another list or feed is refused, never cast. */
const DECIMAL = /^\d{1,20}$/;

function positionAfter(cursor: string | undefined, tag: string): Position {
  if (cursor === undefined) return START;
  const [transactionId, globalPosition] = decodeTaggedCursor(cursor, tag, 2, 'query.after');
  if (!DECIMAL.test(String(transactionId)) || !DECIMAL.test(String(globalPosition)))
    throw badRequest('query.after', 'not a cursor this list gave out');
  return { transactionId: String(transactionId), globalPosition: String(globalPosition) };
}
