import type { EventStore } from '@casework/eventstore';
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { startJetStreamConsumer } from './consumer.js';
import type { JetStreamLink, JetStreamOptions } from './jetStreamLink.js';
import { natsConnectionOptions } from './natsOptions.js';
import { startJetStreamRelay } from './relay.js';
import type { Consumer, Relay, Transport } from './transport.js';
import { type ConsumerSpec, type Logger, silentLogger } from './types.js';

/**
 * Transport over NATS JetStream. Each publishing service has its own stream (`<stream>_<SERVICE>`,
 * subjects `<prefix>.<service>.<Event>`), written only by that service's relay: the server can then
 * enforce the relay's order (expected last sequence), and consumers read it by sequence (ADR 0010).
 */
export class JetStreamTransport implements Transport, JetStreamLink {
  readonly kind = 'jetstream';
  readonly prefix: string;
  readonly streamPrefix: string;
  readonly #running = new Set<{ stop: () => Promise<void> }>();
  readonly #ensured = new Map<string, Promise<void>>();
  #disconnected = false;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly options: JetStreamOptions,
  ) {
    this.prefix = options.prefix ?? 'casework';
    this.streamPrefix = options.stream ?? 'CASEWORK';
  }

  static async connect(o: JetStreamOptions): Promise<JetStreamTransport> {
    const nc = await connect(natsConnectionOptions({ url: o.url, name: 'casework', ...(o.security ?? {}) }));
    const jsm = await jetstreamManager(nc);
    const t = new JetStreamTransport(nc, jetstream(nc), jsm, o);
    t.#watchStatus();
    return t;
  }

  get log(): Logger {
    return this.options.logger ?? silentLogger;
  }

  /** The stream a service publishes into. */
  streamOf(service: string): string {
    return `${this.streamPrefix}_${service.toUpperCase()}`;
  }

  /** Creates (or brings up to date) a service's stream, once per process. */
  ensureStream(service: string): Promise<void> {
    let p = this.#ensured.get(service);
    if (!p) {
      p = this.#ensure(service);
      p.catch(() => this.#ensured.delete(service)); // try again next time
      this.#ensured.set(service, p);
    }
    return p;
  }

  /** Makes the next ensureStream ask the server again. */
  forgetStream(service: string): void {
    this.#ensured.delete(service);
  }

  async #ensure(service: string): Promise<void> {
    const name = this.streamOf(service);
    const subjects = [`${this.prefix}.${service}.>`];
    const duplicate_window = nanos(10 * 60 * 1000);
    const exists = await this.jsm.streams.info(name).then(
      () => true,
      () => false,
    );
    if (exists) {
      await this.jsm.streams.update(name, { subjects, duplicate_window });
      return;
    }
    try {
      await this.jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        num_replicas: this.options.replicas ?? 1,
        duplicate_window,
      });
    } catch (e) {
      // several processes start at once: one of them created it first
      await this.jsm.streams.info(name).catch(() => Promise.reject(e));
    }
  }

  /** Deletes every stream under this transport's prefix (tests and benchmarks clean up with it). */
  async deleteStreams(): Promise<void> {
    for await (const name of this.jsm.streams.names()) {
      if (name.startsWith(`${this.streamPrefix}_`)) await this.jsm.streams.delete(name);
    }
  }

  connected() {
    return !this.nc.isClosed() && !this.#disconnected;
  }

  startRelay(store: EventStore, service: string, published: ReadonlySet<string>): Relay {
    return this.#track(startJetStreamRelay(this, store, service, published));
  }

  startConsumer(target: EventStore, spec: ConsumerSpec): Consumer {
    return this.#track(startJetStreamConsumer(this, target, spec));
  }

  #track<R extends { stop: () => Promise<void> }>(r: R): R {
    const tracked = {
      ...r,
      stop: async () => {
        await r.stop();
        this.#running.delete(tracked);
      },
    };
    this.#running.add(tracked);
    return tracked;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#running].map((r) => r.stop()));
    await this.nc.drain().catch(() => this.nc.close());
  }

  /** Watches connection status so readiness can report an outage. */
  #watchStatus(): void {
    (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') this.#disconnected = true;
        if (s.type === 'reconnect') this.#disconnected = false;
      }
    })().catch(() => {});
  }
}
