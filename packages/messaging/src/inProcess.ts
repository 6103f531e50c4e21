import { type EventStore, Subscription } from '@casework/eventstore';
import { DeadLetters } from './deadLetters.js';
import { applyBatch } from './inbox.js';
import type { Consumer, Relay, Transport } from './transport.js';
import {
  type ConsumerSpec,
  type ConsumerStats,
  type IncomingEvent,
  type Logger,
  silentLogger,
} from './types.js';

/**
 * The embedded mode's transport: consumers read the producing service's global log directly (same
 * database), with the same checkpoint, inbox and dead-letter semantics as over JetStream.
 */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  readonly #sources = new Map<string, { store: EventStore; published: ReadonlySet<string> }>();
  readonly #running = new Set<{ stop: () => Promise<void> }>();

  constructor(private readonly options: { maxDeliver?: number; pollMs?: number; logger?: Logger } = {}) {}

  startRelay(store: EventStore, service: string, published: ReadonlySet<string>): Relay {
    this.#sources.set(service, { store, published });
    return { stop: async () => {}, lag: async () => 0, publishBatch: async () => 0 };
  }

  startConsumer(target: EventStore, spec: ConsumerSpec): Consumer {
    const stats: ConsumerStats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0 };
    const attempts = new Map<string, number>();
    const maxDeliver = this.options.maxDeliver ?? 5;
    const logger = this.options.logger ?? silentLogger;
    const deadLetters = new DeadLetters(target);
    const subscriptions = Object.entries(spec.sources).map(([service, types]) => {
      const source = this.#sources.get(service);
      if (!source) throw new Error(`no relay registered for service ${service}`);
      const wanted = new Set(types.filter((t) => source.published.has(t)));
      return new Subscription({
        name: `inproc:${spec.name}:${service}`,
        source: source.store,
        target: { db: target.db, schema: target.schema },
        pollMs: this.options.pollMs ?? 1000,
        onError: (e) => logger.warn({ consumer: spec.name, err: e }, 'in-process consumer batch failed'),
        handle: async (records, tx) => {
          const events: IncomingEvent[] = records
            .filter((r) => wanted.has(r.type))
            .map((r) => ({
              eventId: r.eventId,
              type: r.type,
              source: service,
              data: r.data,
              metadata: r.metadata,
            }));
          const outcomes = await applyBatch(target, spec.name, events, spec.handle, tx);
          for (const o of outcomes) {
            if (o.result === 'applied') stats.processed++;
            if (o.result === 'duplicate') stats.duplicates++;
            if (o.result !== 'failed') continue;
            const n = (attempts.get(o.event.eventId) ?? 0) + 1;
            attempts.set(o.event.eventId, n);
            if (n < maxDeliver) {
              stats.retried++;
              // the whole batch is tried again after the subscription's backoff
              throw o.error;
            }
            attempts.delete(o.event.eventId);
            stats.deadLettered++;
            await deadLetters.record(tx, spec.name, o.event, o.error, n);
            logger.error(
              { consumer: spec.name, eventId: o.event.eventId, type: o.event.type },
              'dead-lettered',
            );
          }
        },
      });
    });
    for (const s of subscriptions) s.start();
    const consumer = {
      stop: async () => {
        await Promise.all(subscriptions.map((s) => s.stop()));
        this.#running.delete(consumer);
      },
      stats: () => ({ ...stats }),
      lag: async () => (await Promise.all(subscriptions.map((s) => s.lag()))).reduce((a, b) => a + b, 0),
    };
    this.#running.add(consumer);
    return consumer;
  }

  connected() {
    return true;
  }

  async close() {
    await Promise.all([...this.#running].map((c) => c.stop()));
  }
}
