import { randomUUID } from 'node:crypto';
import type { EncodedEvent } from '@casework/eventstore';
import { natsNames, natsUrl } from '@casework/testkit';
import t from 'tap';
import { JetStreamTransport, OrderedPublisher } from '../src/index.js';

const encoded = (n: number): EncodedEvent => {
  const id = randomUUID();
  return {
    eventId: id,
    type: 'Numbered',
    streamId: 's',
    streamPosition: n,
    globalPosition: String(n),
    transactionId: '1',
    data: JSON.stringify({ n }),
    metadata: {
      specversion: '1.0',
      id,
      type: 'casework.producer.Numbered.v1',
      source: 'producer',
      subject: 's',
      time: new Date().toISOString(),
      correlationid: randomUUID(),
    },
    recordedAt: new Date().toISOString(),
  };
};

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => encoded(from + i));

t.test(
  'a relay that published, lost its lease and got it back never stores a window ahead of the events published meanwhile',
  async (t) => {
    const tr = await JetStreamTransport.connect({ url: await natsUrl(), ...natsNames() });
    t.teardown(async () => {
      await tr.deleteStreams();
      await tr.close();
    });
    await tr.ensureStream('producer');
    const a = new OrderedPublisher(tr, 'producer');
    const b = new OrderedPublisher(tr, 'producer'); // the instance that held the lease meanwhile
    t.same(await a.publish(range(0, 5)), { stored: 5 });
    t.same(await b.publish(range(5, 10)), { stored: 5 });
    // a window larger than what the other published: with a stale base its tail would match the stream
    t.same(await a.publish(range(10, 30)), { stored: 20 });
    const order: number[] = [];
    for (let seq = 1; seq <= 30; seq++) {
      const m = await tr.jsm.streams.getMessage(tr.streamOf('producer'), { seq });
      order.push((m!.json() as { n: number }).n);
    }
    t.same(
      order,
      range(0, 30).map((_, i) => i),
      'the stream holds them in log order',
    );
  },
);

t.test('a repeat of events already stored is acknowledged, and what follows lands after them', async (t) => {
  const tr = await JetStreamTransport.connect({ url: await natsUrl(), ...natsNames() });
  t.teardown(async () => {
    await tr.deleteStreams();
    await tr.close();
  });
  await tr.ensureStream('producer');
  const p = new OrderedPublisher(tr, 'producer');
  const events = range(0, 20);
  t.same(await p.publish(events.slice(0, 10)), { stored: 10 });
  // a crash between publish and checkpoint: the batch goes again, with the next ones
  t.same(await p.publish(events), { stored: 20 });
  const { state } = await tr.jsm.streams.info(tr.streamOf('producer'));
  t.equal(state.messages, 20, 'nothing stored twice');
  const last = await tr.jsm.streams.getMessage(tr.streamOf('producer'), { seq: 20 });
  t.equal((last!.json() as { n: number }).n, 19);
});
