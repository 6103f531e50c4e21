import { randomUUID } from 'node:crypto';
import type { EventStore, FollowerSource, Position } from '@casework/eventstore';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { apiCode } from './apiCode.js';
import { fromHeaders } from './cloudEventHeaders.js';
import { consumerFollower, MalformedEnvelope } from './consumerFollower.js';
import type { JetStreamLink } from './jetStreamLink.js';
import type { Consumer } from './transport.js';
import type { ConsumerSpec, ConsumerStats, IncomingEvent } from './types.js';

/** Silence after which a feed asks the server whether its consumer still exists and sends. */
const STALL_MS = 5000;

/** A stream position as a checkpoint: the stream sequence, in the checkpoint's global position. */
const atSequence = (seq: number): Position => ({ transactionId: '0', globalPosition: String(seq) });

/**
 * Reads one service's stream from the sequence after a checkpoint kept in the consumer's database.
 * Only the follower holding the checkpoint's lease reads, so it pulls through a consumer of its own
 * (acknowledged in bulk after each commit; the server sends at most `window` unacknowledged messages:
 * backpressure). A gap in what arrives, or a checkpoint moved by another instance, starts the consumer
 * again at the checkpoint: no message is ever applied out of order, and none waits out an ack timeout.
 */
class StreamFeed implements FollowerSource<JsMsg> {
  #messages: ConsumerMessages | undefined;
  #consumerName: string | undefined;
  #buffer: JsMsg[] = [];
  /** Everything up to this sequence has been handed out (or skipped); the feed continues after it. */
  #after = -1;
  /** The next sequence expected; right after a (re)start, the one the consumer starts at. */
  #next: number | undefined;
  #start = 1;
  /** Stopped for good (the follower stopped): a consumer started meanwhile is stopped at once. */
  #closed = false;
  #restart: Promise<void> | undefined;
  /** When a message last arrived (or the consumer started), and when its health was last asked. */
  #heardAt = 0;
  #checkedAt = 0;
  #wake: (() => void) | undefined;

  constructor(
    private readonly t: JetStreamLink,
    private readonly service: string,
    private readonly name: string,
    private readonly window: number,
  ) {}

  get stream() {
    return this.t.streamOf(this.service);
  }

  positionOf = (m: JsMsg) => atSequence(m.seq);

  subscribe(wake: () => void) {
    this.#wake = wake;
    this.#closed = false;
    return () => {
      this.#wake = undefined;
      this.#closed = true;
      this.#stop();
    };
  }

  async read(after: Position, limit: number) {
    const seq = Number(after.globalPosition);
    if (seq !== this.#after || !this.#messages) await this.#startAt(seq + 1);
    else if (this.#buffer.length === 0) await this.#checkAlive();
    const items = this.#buffer.slice(0, limit);
    return { items, through: items.length ? this.positionOf(items[items.length - 1]!) : after };
  }

  /** After a commit through `p`: those messages are done; acknowledging the last frees the window. */
  committed(p: Position) {
    const seq = Number(p.globalPosition);
    let done = 0;
    while (done < this.#buffer.length && this.#buffer[done]!.seq <= seq) done++;
    const last = done ? this.#buffer[done - 1] : undefined;
    this.#buffer.splice(0, done);
    if (seq > this.#after) this.#after = seq;
    last?.ack(); // AckPolicy.All: acknowledges everything up to it
  }

  reposition() {
    this.#stop();
  }

  standby() {
    this.#stop();
  }

  async #startAt(start: number): Promise<void> {
    this.#stop();
    this.#restart ??= (async () => {
      try {
        // the source's stream is its relay's to create: a reader waits for it (and may not change it)
        const exists = await this.t.jsm.streams.info(this.stream).then(
          () => true,
          () => false,
        );
        if (!exists) return;
        const info = await this.t.jsm.consumers.add(this.stream, {
          name: `${this.name}_${randomUUID().slice(0, 8)}`,
          ack_policy: AckPolicy.All,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: Math.max(1, start),
          ack_wait: nanos(60_000),
          max_ack_pending: this.window,
          // a consumer left behind by a killed instance goes away on its own
          inactive_threshold: nanos(60_000),
          num_replicas: 1,
          mem_storage: true,
        });
        this.#consumerName = info.name;
        this.#heardAt = Date.now();
        const consumer = this.t.js.consumers.getConsumerFromInfo(info);
        const messages = await consumer.consume({ max_messages: this.window });
        if (this.#closed) {
          messages.stop();
          await this.t.jsm.consumers.delete(this.stream, info.name).catch(() => {});
          return;
        }
        this.#messages = messages;
        this.#after = start - 1;
        this.#start = Math.max(1, start);
        this.#next = undefined;
        this.#buffer = [];
        void this.#pump(messages);
        void this.#watch(messages);
      } finally {
        this.#restart = undefined;
      }
    })();
    await this.#restart;
  }

  async #pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (messages !== this.#messages) break;
        const expected = this.#next ?? this.#start;
        if (m.seq < expected) continue; // a redelivery of one already here
        if (m.seq > expected && (await this.#storedBetween(expected, m.seq))) {
          // a delivery went missing in transit (the server redelivers it only after the ack wait):
          // start again where the checkpoint is rather than apply this one first
          this.#stop();
          break;
        }
        if (messages !== this.#messages) break;
        this.#buffer.push(m);
        this.#heardAt = Date.now();
        this.#next = m.seq + 1;
        this.#wake?.();
      }
    } catch {
      // the consumer went away (deleted, a node lost): the next read starts a new one
    }
    if (messages === this.#messages) this.#stop();
  }

  /**
   * A last resort when nothing arrives: after a whole cluster restarted, the client may keep waiting on a
   * consumer the servers no longer have without saying so. Every few seconds of silence, ask the server:
   * a consumer it does not know, or one with messages pending that sends none, is started again.
   */
  async #checkAlive(): Promise<void> {
    const now = Date.now();
    if (now - this.#heardAt < STALL_MS || now - this.#checkedAt < STALL_MS || !this.#consumerName) return;
    this.#checkedAt = now;
    const info = await this.t.jsm.consumers.info(this.stream, this.#consumerName).catch(() => undefined);
    if (!info || info.num_pending > 0) this.#stop();
  }

  /**
   * The client keeps pulling from a consumer that is gone (a server restarted, the node holding it
   * lost): give it up, so the next read starts a new one at the checkpoint.
   */
  async #watch(messages: ConsumerMessages): Promise<void> {
    for await (const s of messages.status()) {
      if (messages !== this.#messages) return;
      const gone =
        s.type === 'consumer_deleted' ||
        s.type === 'consumer_not_found' ||
        s.type === 'stream_not_found' ||
        (s.type === 'heartbeats_missed' && s.count >= 2);
      if (gone) {
        this.#stop();
        this.#wake?.();
        return;
      }
    }
  }

  /**
   * Whether the stream holds a message in [from, to): a jump in what arrives is either deleted messages
   * (nothing to wait for) or a lost delivery. Asked message by message, as jumps are rare and short;
   * when the stream cannot be asked, assume the worst (start again).
   */
  async #storedBetween(from: number, to: number): Promise<boolean> {
    try {
      const { state } = await this.t.jsm.streams.info(this.stream);
      for (let seq = Math.max(from, state.first_seq); seq < to && seq < from + 1000; seq++) {
        const found = await this.t.jsm.streams.getMessage(this.stream, { seq }).then(
          (m) => m !== null,
          (e) => apiCode(e) !== JetStreamApiCodes.NoMessageFound,
        );
        if (found) return true;
      }
      return false;
    } catch {
      return true;
    }
  }

  #stop() {
    const messages = this.#messages;
    this.#messages = undefined;
    this.#buffer = [];
    this.#after = -1;
    if (messages) {
      messages.stop();
      const name = this.#consumerName;
      if (name) void this.t.jsm.consumers.delete(this.stream, name).catch(() => {});
    }
  }
}

/** The event a message carries; an unreadable envelope becomes a MalformedEnvelope (dead-lettered). */
function toEvent(t: JetStreamLink, m: JsMsg): IncomingEvent {
  const [service = '', type = ''] = m.subject.slice(t.prefix.length + 1).split('.');
  try {
    const metadata = fromHeaders(m.headers);
    return { eventId: metadata.id, type, source: service, data: m.json(), metadata };
  } catch (e) {
    const id = m.headers?.get('Nats-Msg-Id');
    throw new MalformedEnvelope(`unreadable envelope: ${(e as Error).message}`, {
      eventId: /^[0-9a-f-]{36}$/i.test(id ?? '') ? id! : randomUUID(),
      type,
      source: service,
      // jsonb holds no NUL: a payload that carries one must still fit the dead letter
      data: { unreadable: m.string().slice(0, 10_000).replaceAll('\u0000', '\uFFFD') },
      metadata: {} as IncomingEvent['metadata'],
    });
  }
}

/** A consumer over JetStream: per source service, the follower loop over that service's stream. */
export function startJetStreamConsumer(t: JetStreamLink, target: EventStore, spec: ConsumerSpec): Consumer {
  const stats: ConsumerStats = { processed: 0, duplicates: 0, retried: 0, deadLettered: 0 };
  const batchSize = t.options.batchSize ?? 200;
  const parts = Object.entries(spec.sources).map(([service, types]) => {
    const name = `${target.schema}-${spec.name}-${service}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const stream = t.streamOf(service);
    const feed = new StreamFeed(t, service, name, batchSize * 2);
    const follower = consumerFollower<JsMsg>({
      name: `nats:${spec.name}:${service}`,
      target,
      spec,
      source: feed,
      wanted: new Set(types),
      toEvent: (m) => toEvent(t, m),
      stats,
      policy: {
        batchSize,
        pollMs: t.options.pollMs ?? 1000,
        // messages gather in the feed's buffer while a batch is applied: no pause needed to let them
        gatherMs: 0,
        ...(t.options.maxDeliver ? { maxAttempts: t.options.maxDeliver } : {}),
        ...(t.options.backoffBaseMs ? { backoffBaseMs: t.options.backoffBaseMs } : {}),
        ...(t.options.leaseMs ? { leaseMs: t.options.leaseMs } : {}),
        logger: t.log,
      },
    });
    return { service, stream, follower };
  });
  for (const p of parts) p.follower.start();
  return {
    stop: async () => {
      await Promise.all(parts.map((p) => p.follower.stop()));
    },
    stats: () => ({ ...stats }),
    /** Messages in the source streams past each checkpoint (-1 when a stream cannot be asked). */
    lag: async () => {
      let total = 0;
      for (const p of parts) {
        try {
          const at = await p.follower.checkpoints.read(target.db, p.follower.name);
          const info = await t.jsm.streams.info(p.stream).catch((e: unknown) => {
            // a source that has published nothing yet has no stream: nothing to read
            if (apiCode(e) === JetStreamApiCodes.StreamNotFound) return undefined;
            throw e;
          });
          if (!info) continue;
          const { state } = info;
          total += Math.max(0, state.last_seq - Math.max(Number(at.globalPosition), state.first_seq - 1));
        } catch {
          return -1;
        }
      }
      return total;
    },
  };
}
