import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * The messages a JetStream stream holds, in its order, by id (`Nats-Msg-Id`, the event id) and subject:
 * what a NATS consumer of it would receive. For tests that compare another way of reading events with NATS.
 */
export async function streamMessages(
  url: string,
  stream: string,
): Promise<{ id: string; subject: string }[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    const messages: { id: string; subject: string }[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      const id = m?.header.get('Nats-Msg-Id');
      if (id && m) messages.push({ id, subject: m.subject });
    }
    return messages;
  } finally {
    await nc.close();
  }
}
