import { type EventStore, type Follower, logSource, type RecordedEvent } from '@casework/eventstore';
import { consumerFollower, type DeliveryPolicy } from './consumerFollower.js';
import type { Consumer, Relay, Transport } from './transport.js';
import type { ConsumerSpec, ConsumerStats } from './types.js';

/**
 * The embedded mode's transport: consumers follow the producing service's global log directly (same
 * database) on the same follower loop, inbox and dead-letter policy as over JetStream.
 */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  readonly #sources = new Map<string, { store: EventStore; published: ReadonlySet<string> }>();
  readonly #running = new Set<{ stop: () => Promise<void> }>();

  constructor(private readonly options: DeliveryPolicy & { maxDeliver?: number } = {}) {}

  startRelay(store: EventStore, service: string, published: ReadonlySet<string>): Relay {
    this.#sources.set(service, { store, published });
    return { stop: async () => {}, lag: async () => 0 };
  }

  startConsumer(target: EventStore, spec: ConsumerSpec): Consumer {
    const stats: ConsumerStats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0 };
    const { maxDeliver, ...policy } = this.options;
    const followers: Follower<RecordedEvent>[] = Object.entries(spec.sources).map(([service, types]) => {
      const source = this.#sources.get(service);
      if (!source) throw new Error(`no relay registered for service ${service}`);
      const wanted = new Set(types.filter((t) => source.published.has(t)));
      return consumerFollower({
        name: `inproc:${spec.name}:${service}`,
        target,
        spec,
        source: logSource(source.store, [...wanted]),
        wanted,
        toEvent: (r) => ({
          eventId: r.eventId,
          type: r.type,
          source: service,
          data: r.data,
          metadata: r.metadata,
        }),
        stats,
        policy: { pollMs: 1000, ...policy, ...(maxDeliver ? { maxAttempts: maxDeliver } : {}) },
      });
    });
    for (const f of followers) f.start();
    const lags = Object.entries(spec.sources).map(([service, types]) => {
      const source = this.#sources.get(service)!;
      return async (f: Follower<RecordedEvent>) =>
        source.store.countAfter(await f.checkpoints.read(target.db, f.name), target.db, types);
    });
    const consumer = {
      stop: async () => {
        await Promise.all(followers.map((f) => f.stop()));
        this.#running.delete(consumer);
      },
      stats: () => ({ ...stats }),
      lag: async () => (await Promise.all(followers.map((f, i) => lags[i]!(f)))).reduce((a, b) => a + b, 0),
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
