import { subjectOf } from '@casework/contracts';
import { type EncodedEvent, type EventStore, encodedLogSource, Follower } from '@casework/eventstore';
import { JetStreamApiCodes } from '@nats-io/jetstream';
import { propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { apiCode } from './apiCode.js';
import { toHeaders } from './cloudEventHeaders.js';
import type { JetStreamLink } from './jetStreamLink.js';
import { publishWindow } from './publishWindow.js';
import type { Relay } from './transport.js';

const RELAY_CHECKPOINT = 'relay:jetstream';

/**
 * Publishes a service's events, in log order, into its own stream. Publishes are pipelined in a window,
 * each expecting the stream's last sequence to be the one before it: if one is lost (a leader change, a
 * dropped connection), every later one in flight is refused by the server instead of stored ahead of
 * it, and the window is sent again from the lost one. A duplicate (already stored before a crash) is
 * acknowledged as such. Returns how many of `events` are stored, in order, and the error that stopped it.
 */
export class OrderedPublisher {
  /** The stream's last sequence as this publisher knows it: read at each batch, followed within it. */
  #last: number | undefined;

  constructor(
    private readonly t: JetStreamLink,
    private readonly service: string,
  ) {}

  async publish(events: EncodedEvent[]): Promise<{ stored: number; error?: unknown }> {
    const stream = this.t.streamOf(this.service);
    const timeout = this.t.options.publishTimeoutMs ?? 5000;
    let stored = 0;
    let stalls = 0;
    // read afresh for every batch: another instance may have published since this one last did (it
    // held the lease meanwhile), and a stale base would let the window's tail be stored ahead of it
    this.#last = undefined;
    while (stored < events.length) {
      try {
        const base: number = this.#last ?? (await this.t.jsm.streams.info(stream)).state.last_seq;
        this.#last = base;
        const window = events.slice(stored);
        const acks = await publishWindow(
          this.t.nc,
          window.map((e, i) => ({
            subject: subjectOf(this.t.prefix, this.service, e.type),
            data: e.data,
            headers: toHeaders(e.metadata),
            msgId: e.eventId,
            expectLastSequence: base + i,
          })),
          timeout,
        );
        let progress = 0;
        let failure: unknown;
        let repeats = false;
        for (const r of acks) {
          if (failure !== undefined) continue; // refused behind the failure, or harmless repeats
          if ('error' in r) {
            const code = apiCode(r.error);
            // after a repeat the stream did not grow, so the next expectation was off by one
            failure = repeats && code === JetStreamApiCodes.StreamWrongLastSequence ? 'resync' : r.error;
            continue;
          }
          progress++;
          // a repeat was stored before (a crash between publish and checkpoint): acknowledged as such
          if (r.ack.duplicate) repeats = true;
          else this.#last = r.ack.seq;
        }
        stored += progress;
        if (repeats) this.#last = undefined;
        if (failure === undefined || failure === 'resync') continue;
        this.#last = undefined;
        // after progress, the tail of the window was refused behind a lost publish: send it again
        if (progress > 0 && ++stalls <= 3) continue;
        return { stored, error: failure };
      } catch (error) {
        this.#last = undefined;
        return { stored, error };
      }
    }
    return { stored };
  }
}

/**
 * The relay: the follower loop over the service's own log (published types only), one active instance
 * per service (the checkpoint's lease), its checkpoint moving only over events the stream has stored.
 */
export function startJetStreamRelay(
  t: JetStreamLink,
  store: EventStore,
  service: string,
  published: ReadonlySet<string>,
): Relay {
  const publisher = new OrderedPublisher(t, service);
  let failures = 0;
  const follower = new Follower<EncodedEvent>({
    name: RELAY_CHECKPOINT,
    // the data goes out as the database holds it: never parsed here to be written out again
    source: encodedLogSource(store, [...published]),
    target: { db: store.db, schema: store.schema },
    batchSize: t.options.batchSize ?? 1000,
    pollMs: t.options.pollMs ?? 500,
    ...(t.options.gatherMs !== undefined ? { gatherMs: t.options.gatherMs } : {}),
    ...(t.options.leaseMs ? { leaseMs: t.options.leaseMs } : {}),
    policy: { backoffMs: (n) => Math.min(5000, 100 * 2 ** n) },
    onError: (error, { attempts }) => {
      failures = attempts;
      if (attempts === 1 || attempts % 20 === 0)
        t.log.warn(
          { service, err: (error as Error).message, failures },
          'relay could not publish; will retry',
        );
    },
    handle: async (events) => {
      await t.ensureStream(service);
      const spans = publishSpans(service, events);
      const { stored, error } = await publisher.publish(events);
      spans.forEach((span, i) => {
        if (i >= stored) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      if (error === undefined) return undefined;
      // nobody answers for the stream (deleted by hand, or the servers lost it; the client reports it
      // as "jetstream is not enabled", caused by "no responders"): create it again next time
      const said = `${String(error)} ${String((error as { cause?: unknown }).cause)}`;
      if (/no responders|not enabled|stream not found/i.test(said)) t.forgetStream(service);
      return { applied: stored, error };
    },
  });
  follower.start();
  return {
    stop: () => follower.stop(),
    lag: async () =>
      store.countAfter(await follower.checkpoints.read(store.db, RELAY_CHECKPOINT), store.db, [...published]),
  };
}

/**
 * A producer span per event published, in the trace of the command that recorded it (its envelope's
 * `traceparent`), from the batch's start to the stream's acknowledgement: the wait in the outbox and on
 * NATS shows in the trace, between the command and its consumers. Nothing is recorded when not tracing.
 */
function publishSpans(service: string, events: readonly EncodedEvent[]): Span[] {
  const tracer = trace.getTracer('casework');
  return events.map((e) =>
    tracer.startSpan(
      `${service} publish ${e.type}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.message.id': e.eventId,
          'casework.service': service,
          'casework.event_type': e.type,
        },
      },
      propagation.extract(ROOT_CONTEXT, e.metadata),
    ),
  );
}
