import { setTimeout as sleep } from 'node:timers/promises';
import { subjectOf } from '@casework/contracts';
import { Checkpoints, type EventStore, pauseAfter, positionOf } from '@casework/eventstore';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { fromHeaders, toHeaders } from './cloudEventHeaders.js';
import { DeadLetters } from './deadLetters.js';
import { applyBatch } from './inbox.js';
import type { Consumer, Relay, Transport } from './transport.js';
import {
  backoffMs,
  type ConsumerSpec,
  type ConsumerStats,
  type IncomingEvent,
  type Logger,
  silentLogger,
} from './types.js';

export type JetStreamOptions = {
  url: string;
  /** Subject prefix (`casework`; tests use their own). */
  prefix?: string;
  /** Stream name (`CASEWORK`; tests use their own). */
  stream?: string;
  replicas?: number;
  /** Deliveries before a message goes to dead letters. */
  maxDeliver?: number;
  /** First redelivery delay; doubles on each try. */
  backoffBaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /** After a partial batch of several events, how long the relay lets appends gather (100 ms). */
  gatherMs?: number;
  /** How long a publish waits for its ack before the batch is retried. */
  publishTimeoutMs?: number;
  logger?: Logger;
};

const RELAY_CHECKPOINT = 'relay:jetstream';

/** Transport over NATS JetStream: one stream, subjects `<prefix>.<service>.<Event>`. */
export class JetStreamTransport implements Transport {
  readonly kind = 'jetstream';
  readonly prefix: string;
  readonly streamName: string;
  readonly #running = new Set<{ stop: () => Promise<void> }>();

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly o: JetStreamOptions,
  ) {
    this.prefix = o.prefix ?? 'casework';
    this.streamName = o.stream ?? 'CASEWORK';
  }

  static async connect(o: JetStreamOptions): Promise<JetStreamTransport> {
    const nc = await connect({
      servers: o.url,
      name: 'casework',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // every publish is a request for its ack; capturing a stack trace for each (in case it fails)
      // cost the relay about a third of its CPU
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(nc);
    const t = new JetStreamTransport(nc, jetstream(nc), jsm, o);
    t.#watchStatus();
    await t.ensureStream();
    return t;
  }

  private get log() {
    return this.o.logger ?? silentLogger;
  }

  async ensureStream(): Promise<void> {
    const config = {
      name: this.streamName,
      subjects: [`${this.prefix}.>`],
      storage: StorageType.File,
      num_replicas: this.o.replicas ?? 1,
      duplicate_window: nanos(10 * 60 * 1000),
    };
    try {
      await this.jsm.streams.info(this.streamName);
      await this.jsm.streams.update(this.streamName, {
        subjects: config.subjects,
        duplicate_window: config.duplicate_window,
      });
    } catch {
      await this.jsm.streams.add(config);
    }
  }

  #disconnected = false;
  connected() {
    return !this.nc.isClosed() && !this.#disconnected;
  }

  startRelay(store: EventStore, service: string, published: ReadonlySet<string>): Relay {
    const checkpoints = new Checkpoints(store.schema);
    let running = true;
    let wake: (() => void) | undefined;
    let appended = false;
    const onAppend = () => {
      appended = true;
      wake?.();
    };
    store.notifications.on('appended', onAppend);
    const lockKey = `${store.schema}.relay`;

    /** One batch: take the relay lock, publish everything past the checkpoint, await acks, advance. */
    const publishBatch = async (): Promise<number> =>
      store.db.transaction().execute(async (tx) => {
        const { rows } = await sql<{
          locked: boolean;
        }>`SELECT pg_try_advisory_xact_lock(hashtext(${lockKey})) AS locked`.execute(tx);
        if (!rows[0]?.locked) return 0; // another instance is the active relay
        const at = await checkpoints.read(tx, RELAY_CHECKPOINT);
        // the data goes out as the database holds it: never parsed here to be written out again
        const events = await store.readAllEncoded(at, {
          limit: batchSize,
          executor: tx,
          types: [...published],
        });
        if (events.length === 0) return 0;
        const timeout = this.o.publishTimeoutMs ?? 5000;
        await Promise.all(
          events.map((e) =>
            this.js.publish(subjectOf(this.prefix, service, e.type), e.data, {
              msgID: e.eventId,
              headers: toHeaders(e.metadata),
              timeout,
            }),
          ),
        );
        await checkpoints.write(tx, RELAY_CHECKPOINT, positionOf(events[events.length - 1]!));
        return events.length;
      });

    const batchSize = this.o.batchSize ?? 1000;
    const loop = (async () => {
      let failures = 0;
      while (running) {
        appended = false;
        let n = 0;
        try {
          n = await publishBatch();
          failures = 0;
          if (n >= batchSize) continue;
          const pause = pauseAfter(n, appended, this.o.gatherMs ?? 100);
          if (pause !== undefined) {
            await sleep(pause);
            continue;
          }
        } catch (e) {
          failures++;
          if (failures === 1 || failures % 20 === 0)
            this.log.warn(
              { service, err: (e as Error).message, failures },
              'relay could not publish; will retry',
            );
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          sleep(failures ? Math.min(5000, 100 * 2 ** failures) : (this.o.pollMs ?? 500)).then(resolve);
        });
        wake = undefined;
      }
    })();
    const relay = {
      publishBatch,
      stop: async () => {
        running = false;
        store.notifications.off('appended', onAppend);
        wake?.();
        await loop;
        this.#running.delete(relay);
      },
      lag: async () =>
        store.countAfter(await checkpoints.read(store.db, RELAY_CHECKPOINT), store.db, [...published]),
    };
    this.#running.add(relay);
    return relay;
  }

  /**
   * One durable pull consumer per source service, filtered on `<prefix>.<service>.>` (servers before
   * 2.10 take a single filter subject); event types the spec does not name are acknowledged unapplied.
   */
  startConsumer(target: EventStore, spec: ConsumerSpec): Consumer {
    const stats: ConsumerStats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0 };
    const maxDeliver = this.o.maxDeliver ?? 5;
    const deadLetters = new DeadLetters(target);
    let running = true;
    const batchSize = this.o.batchSize ?? 200;
    const streams = new Set<{ stop: () => void }>();
    const durables = Object.keys(spec.sources).map((service) => ({
      service,
      durable: `${target.schema}-${spec.name}-${service}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      wanted: new Set(spec.sources[service]),
    }));

    const toEvent = (m: JsMsg): IncomingEvent => {
      const metadata = fromHeaders(m.headers);
      const [, service = '', type = ''] = m.subject.slice(this.prefix.length).split('.');
      return { eventId: metadata.id, type, source: service, data: m.json(), metadata };
    };

    const handleBatch = async (messages: JsMsg[], wanted: ReadonlySet<string>) => {
      const good: { m: JsMsg; event: IncomingEvent }[] = [];
      for (const m of messages) {
        let event: IncomingEvent;
        try {
          event = toEvent(m);
        } catch {
          // an unreadable envelope cannot be applied now or later
          this.log.error({ consumer: spec.name, subject: m.subject }, 'malformed message terminated');
          m.term();
          continue;
        }
        if (wanted.has(event.type)) good.push({ m, event });
        else m.ack();
      }
      if (good.length === 0) return;
      const outcomes = await target.transaction(async (tx) => {
        const out = await applyBatch(
          target,
          spec.name,
          good.map((g) => g.event),
          spec.handle,
          tx,
        );
        for (const [i, o] of out.entries()) {
          const m = good[i]!.m;
          if (o.result === 'failed' && m.info.deliveryCount >= maxDeliver) {
            await deadLetters.record(tx, spec.name, o.event, o.error, m.info.deliveryCount);
          }
        }
        return out;
      });
      // acks only after the commit: a crash before this line redelivers, and the inbox skips the repeat
      for (const [i, o] of outcomes.entries()) {
        const m = good[i]!.m;
        if (o.result === 'applied') {
          stats.processed++;
          m.ack();
        } else if (o.result === 'duplicate') {
          stats.duplicates++;
          m.ack();
        } else if (m.info.deliveryCount >= maxDeliver) {
          stats.deadLettered++;
          this.log.error(
            {
              consumer: spec.name,
              eventId: o.event.eventId,
              type: o.event.type,
              deliveries: m.info.deliveryCount,
            },
            'message dead-lettered',
          );
          m.term();
        } else {
          stats.retried++;
          m.nak(backoffMs(m.info.deliveryCount, this.o.backoffBaseMs));
        }
      }
    };

    const pull = async ({ service, durable, wanted }: (typeof durables)[number]) => {
      let failures = 0;
      while (running) {
        try {
          await this.jsm.consumers.add(this.streamName, {
            durable_name: durable,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
            filter_subject: `${this.prefix}.${service}.>`,
            ack_wait: nanos(30_000),
            max_ack_pending: 10_000,
          });
          const c = await this.js.consumers.get(this.streamName, durable);
          const messages = await c.consume({ max_messages: batchSize, expires: 30_000 });
          streams.add(messages);
          // a batch is whatever has arrived by the next turn of the event loop (or a full batch);
          // batches are handled one after another, in arrival order
          let buffer: JsMsg[] = [];
          let handling: Promise<void> = Promise.resolve();
          let scheduled = false;
          const flush = () => {
            scheduled = false;
            const batch = buffer;
            buffer = [];
            if (batch.length === 0) return;
            handling = handling
              .then(() => handleBatch(batch, wanted))
              .then(() => {
                failures = 0;
              })
              .catch((e) => {
                // nothing was committed (a lost database connection, say): hand the batch back with a
                // backoff instead of waiting out ack_wait; the inbox makes a repeat harmless
                for (const m of batch) m.nak(backoffMs(m.info.deliveryCount, this.o.backoffBaseMs));
                this.log.warn({ consumer: spec.name, err: (e as Error).message }, 'consumer batch failed');
              });
          };
          try {
            for await (const m of messages) {
              buffer.push(m);
              if (buffer.length >= batchSize) flush();
              else if (!scheduled) {
                scheduled = true;
                setImmediate(flush);
              }
              if (!running) break;
            }
          } finally {
            flush();
            await handling;
            streams.delete(messages);
            messages.stop();
          }
          if (running) await sleep(100); // the server ended the pull: start a new one
        } catch (e) {
          failures++;
          if (failures === 1 || failures % 20 === 0)
            this.log.warn(
              { consumer: spec.name, err: (e as Error).message, failures },
              'consumer failed; will retry',
            );
          await sleep(Math.min(5000, 100 * 2 ** failures));
        }
      }
    };
    const loops = durables.map(pull);

    const consumer = {
      stop: async () => {
        running = false;
        for (const m of streams) m.stop();
        await Promise.all(loops);
        this.#running.delete(consumer);
      },
      stats: () => ({ ...stats }),
      lag: async () => {
        let total = 0;
        for (const { durable } of durables) {
          try {
            const info = await this.jsm.consumers.info(this.streamName, durable);
            total += info.num_pending + info.num_ack_pending;
          } catch {
            return -1;
          }
        }
        return total;
      },
    };
    this.#running.add(consumer);
    return consumer;
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
