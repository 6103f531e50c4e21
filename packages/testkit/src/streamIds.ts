import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * The message ids (`Nats-Msg-Id`, the event ids) a JetStream stream holds, in its order: what a NATS
 * consumer of it would receive. For tests that compare another way of reading events with NATS.
 */
export async function streamMessageIds(url: string, stream: string): Promise<string[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    const ids: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      const id = m?.header.get('Nats-Msg-Id');
      if (id) ids.push(id);
    }
    return ids;
  } finally {
    await nc.close();
  }
}
