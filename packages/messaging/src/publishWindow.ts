import { JetStreamApiError, type PubAck, PubHeaders } from '@nats-io/jetstream';
import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

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
 * (`js.publish`), which halves the messages a relay can send per second. Resolves when every message is
 * answered or `timeoutMs` passes (the unanswered ones then fail); it never rejects.
 */
export function publishWindow(
  nc: NatsConnection,
  messages: WindowMessage[],
  timeoutMs: number,
): Promise<PublishReply[]> {
  const inbox = createInbox();
  const replies: (PublishReply | undefined)[] = new Array(messages.length);
  let pending = messages.length;
  return new Promise((resolve) => {
    const finish = (cause?: unknown) => {
      clearTimeout(timer);
      if (!sub.isClosed()) sub.unsubscribe();
      const unanswered = cause ?? new Error(`JetStream did not acknowledge within ${timeoutMs} ms`);
      resolve(Array.from(replies, (r) => r ?? { error: unanswered }));
    };
    const sub = nc.subscribe(`${inbox}.*`, {
      callback: (error, m) => {
        if (error) return finish(error);
        const k = Number(m.subject.slice(inbox.length + 1));
        if (!Number.isInteger(k) || k < 0 || k >= messages.length || replies[k]) return;
        replies[k] = readReply(m);
        if (--pending === 0) finish();
      },
    });
    const timer = setTimeout(finish, timeoutMs);
    if (messages.length === 0) return finish();
    try {
      // the subscription goes to the server before the messages on the same connection: no answer is missed
      for (const [k, m] of messages.entries()) {
        m.headers.set(PubHeaders.MsgIdHdr, m.msgId);
        m.headers.set(PubHeaders.ExpectedLastSeqHdr, String(m.expectLastSequence));
        nc.publish(m.subject, m.data, { headers: m.headers, reply: `${inbox}.${k}` });
      }
    } catch (error) {
      finish(error); // a closed connection, a message over the server's size limit
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
