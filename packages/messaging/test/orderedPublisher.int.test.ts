import { randomUUID } from 'node:crypto';
import type { EncodedEvent } from '@casework/eventstore';
import { natsNames, natsUrl } from '@casework/testkit';
import { JetStreamApiCodes } from '@nats-io/jetstream';
import t, { type Test } from 'tap';
import { apiCode } from '../src/apiCode.js';
import { JetStreamTransport, OrderedPublisher, publishWindow, toHeaders } from '../src/index.js';

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

/** A transport with the producer's stream, both gone at the end of the test. */
async function producerStream(t: Test, names: ReturnType<typeof natsNames>) {
  const tr = await JetStreamTransport.connect({ url: await natsUrl(), ...names });
  t.teardown(async () => {
    await tr.deleteStreams();
    await tr.close();
  });
  await tr.ensureStream('producer');
  return tr;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => encoded(from + i));

t.test(
  'a relay that published, lost its lease and got it back never stores a window ahead of the events published meanwhile',
  async (t) => {
    const tr = await producerStream(t, natsNames());
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
  const tr = await producerStream(t, natsNames());
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

t.test(
  'a window is answered message by message: stored, refused with its API code, or nobody there',
  async (t) => {
    const names = natsNames();
    const tr = await producerStream(t, names);
    const message = (n: number, expectLastSequence: number) => {
      const e = encoded(n);
      return {
        subject: `${names.prefix}.producer.Numbered`,
        data: e.data,
        headers: toHeaders(e.metadata),
        msgId: e.eventId,
        expectLastSequence,
      };
    };
    const first = message(0, 0);
    const replies = await publishWindow(
      tr.nc,
      [first, message(1, 1), message(2, 7), { ...first, headers: toHeaders(encoded(0).metadata) }],
      5000,
    );
    t.same(replies[0], { ack: { seq: 1, duplicate: false } });
    t.same(replies[1], { ack: { seq: 2, duplicate: false } });
    t.equal(apiCode((replies[2] as { error: unknown }).error), JetStreamApiCodes.StreamWrongLastSequence);
    t.same(
      replies[3],
      { ack: { seq: 1, duplicate: true } },
      'a repeat of a stored id is acknowledged as one',
    );

    const started = Date.now();
    const [nobody] = await publishWindow(
      tr.nc,
      [{ ...message(3, 0), subject: `${names.prefix}.nostream.X` }],
      10_000,
    );
    t.match(String((nobody as { error: unknown }).error), /no responders/);
    t.ok(Date.now() - started < 2000, 'answered at once, not after the timeout');
  },
);

t.test(
  'a message the connection refuses mid-window: those before it are stored and counted, none after it sent',
  async (t) => {
    const tr = await producerStream(t, natsNames());
    const events = range(0, 5);
    // over the server's payload limit (1 MB by default): the client refuses it before sending
    events[2] = {
      ...events[2]!,
      data: JSON.stringify({ n: 2, pad: 'x'.repeat(tr.nc.info!.max_payload + 1) }),
    };
    const p = new OrderedPublisher(tr, 'producer');
    const outcome = await p.publish(events);
    t.equal(outcome.stored, 2, 'the two before it are acknowledged and counted');
    t.match(String(outcome.error), /max_payload|payload/i);
    const { state } = await tr.jsm.streams.info(tr.streamOf('producer'));
    t.equal(state.messages, 2, 'nothing after it was sent');
    // sent again, the stored ones are recognised and nothing lands twice
    t.same(await p.publish(events.slice(0, 2)), { stored: 2 });
    t.equal((await tr.jsm.streams.info(tr.streamOf('producer'))).state.messages, 2);
  },
);
