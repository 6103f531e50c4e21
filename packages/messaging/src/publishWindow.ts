import { JetStreamApiError, type PubAck, PubHeaders } from '@nats-io/jetstream';
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

export type WindowMessage = {
  subject: string;
  data: string;
  headers: MsgHdrs;
  msgId: string;
  expectLastSequence: number;
};

/** What the stream answered for one message: its acknowledgement, or why it was not stored. */
export type PublishReply = { ack: Pick<PubAck, 'seq' | 'duplicate'> } | { error: unknown };

/**
 * Publishes a window of messages to JetStream and collects the stream's answers, in the window's order.
 * Plain publishes with reply subjects under one inbox, one subscription and one timer for the window —
 * what the Go client's PublishAsync does — instead of a request, a timer and a promise per message
 * (`js.publish`), which halves the messages a relay can send per second. Resolves when every message sent
 * is answered, `timeoutMs` passes or the connection closes (the unanswered ones then fail); it never
 * rejects. Each message's `headers` are completed with its id and expectation (`Nats-Msg-Id`,
 * `Nats-Expected-Last-Sequence`): give each message headers of its own.
 */
export function publishWindow(
  nc: NatsConnection,
  messages: WindowMessage[],
  timeoutMs: number,
): Promise<PublishReply[]> {
  const inbox = createInbox();
  const replies: (PublishReply | undefined)[] = new Array(messages.length);
  return new Promise((resolve) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sub: Subscription | undefined;
    const finish = (cause?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (sub && !sub.isClosed()) sub.unsubscribe();
      const unanswered = cause ?? new Error(`JetStream did not acknowledge within ${timeoutMs} ms`);
      resolve(Array.from(replies, (r) => r ?? { error: unanswered }));
    };
    // messages sent and not answered yet
    let pending = 0;
    try {
      sub = nc.subscribe(`${inbox}.*`, {
        callback: (error, m) => {
          if (error) return finish(error);
          const k = Number(m.subject.slice(inbox.length + 1));
          if (!Number.isInteger(k) || k < 0 || k >= messages.length || replies[k]) return;
          replies[k] = readReply(m);
          if (--pending === 0) finish();
        },
      });
      // a connection closing takes the subscription with it: say so now rather than at the timeout
      void sub.closed.then(() => finish(new Error('the NATS connection closed before JetStream answered')));
      timer = setTimeout(finish, timeoutMs);
      timer.unref?.();
      // the subscription goes to the server before the messages on the same connection: no answer is missed
      for (const [k, m] of messages.entries()) {
        m.headers.set(PubHeaders.MsgIdHdr, m.msgId);
        m.headers.set(PubHeaders.ExpectedLastSeqHdr, String(m.expectLastSequence));
        try {
          nc.publish(m.subject, m.data, { headers: m.headers, reply: `${inbox}.${k}` });
        } catch (error) {
          // a message over the server's size limit, a closed connection: this one and the rest are not
          // sent, and the answers for those sent before it are still awaited
          replies[k] = { error };
          for (let rest = k + 1; rest < messages.length; rest++)
            replies[rest] = { error: new Error('not sent: an earlier message of the window failed') };
          break;
        }
        pending++;
      }
      if (pending === 0) finish();
    } catch (error) {
      finish(error); // the connection was closed or draining before anything was sent
    }
  });
}

function readReply(m: Msg): PublishReply {
  // no stream takes the subject: the server answers 503 at once
  if (m.headers?.code === 503) return { error: new Error('no responders: no stream stores this subject') };
  try {
    const ack = m.json<{
      seq?: number;
      duplicate?: boolean;
      error?: ConstructorParameters<typeof JetStreamApiError>[0];
    }>();
    if (ack.error) return { error: new JetStreamApiError(ack.error) };
    if (typeof ack.seq !== 'number') return { error: new Error('JetStream answered without a sequence') };
    return { ack: { seq: ack.seq, duplicate: ack.duplicate === true } };
  } catch (error) {
    return { error };
  }
}
