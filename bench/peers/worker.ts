// One store under test, in a process of its own: runs the figure the parent names and sends back what it
// measured. Started by bench/peers.ts as `worker.ts <ours|emmett> <database url>`.
import { randomUUID } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { emmett } from './emmett.js';
import { ours } from './ours.js';
import { Conflict, type PeerEvent, type PeerStore } from './store.js';

export type Figure = 'prefill' | 'single' | 'writers' | 'batch' | 'read' | 'catchup' | 'race';
export type Measured = {
  latencies?: number[];
  events?: number;
  ms?: number;
  winners?: number;
  errors?: number;
  /** What went wrong, when something did. */
  detail?: string;
};
export type Command = { figure: Figure; round: number; size: number };

/**
 * About 300 bytes of JSON, the same for both stores. Its id is a UUIDv7, as the services mint event ids
 * (Emmett mints its own message ids and keeps this one as metadata).
 */
export const peerEvent = (type: string): PeerEvent => {
  const id = uuidv7();
  return {
    type,
    data: { clientId: randomUUID(), municipality: 'BLG01', note: 'x'.repeat(220) },
    metadata: {
      specversion: '1.0',
      id,
      type: `casework.peer.${type}.v1`,
      source: 'peer',
      subject: id,
      time: new Date().toISOString(),
      correlationid: randomUUID(),
    },
  };
};

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

async function measure(store: PeerStore, { figure, round, size }: Command): Promise<Measured> {
  const latencies: number[] = [];
  const timed = async (fn: () => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    await fn();
    latencies.push(ms(t0));
  };
  switch (figure) {
    case 'prefill': {
      // streams of 3 events, 16 at a time: tables the size a municipality's service reaches
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = next++; i < size; i = next++)
            await store.append(
              `prefill-${i}`,
              [peerEvent('Filled'), peerEvent('Filled'), peerEvent('Filled')],
              'no_stream',
            );
        }),
      );
      return {};
    }
    case 'single':
      for (let i = 0; i < size; i++)
        await timed(() => store.append(`single-${round}-${i}`, [peerEvent('One')], 'no_stream'));
      return { latencies };
    case 'writers': {
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          let version = await store.append(`writer-${round}-${w}`, [peerEvent('Written')], 'no_stream');
          for (let i = 1; i < size; i++)
            version = await store.append(`writer-${round}-${w}`, [peerEvent('Written')], version);
        }),
      );
      return { events: 16 * size, ms: ms(t0) };
    }
    case 'batch':
      for (let i = 0; i < size; i++)
        await timed(() =>
          store.append(
            `batch-${round}-${i}`,
            Array.from({ length: 100 }, () => peerEvent('Batched')),
            'no_stream',
          ),
        );
      return { latencies };
    case 'read': {
      let errors = 0;
      for (let i = 0; i < size; i++)
        await timed(async () => {
          if ((await store.readStream(`batch-${round}-${i % 50}`)) !== 100) errors++;
        });
      return { latencies, errors };
    }
    case 'catchup': {
      const t0 = process.hrtime.bigint();
      const ids = await store.catchUp(size);
      const took = ms(t0);
      // a reader that skipped or repeated events would look faster than it is
      // throughput counts each event once: a reader that read some twice did not read more
      const distinct = new Set(ids.filter((id) => id !== undefined)).size;
      const twice = ids.length - distinct;
      const missed = appended - distinct;
      return twice === 0 && missed === 0
        ? { events: distinct, ms: took }
        : {
            events: distinct,
            ms: took,
            errors: 1,
            detail: `read ${ids.length} events of the ${appended} appended: ${twice} read again, ${missed} never read`,
          };
    }
    case 'race': {
      const id = `race-${round}`;
      const version = await store.append(id, [peerEvent('Raced')], 'no_stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: size }, () => store.append(id, [peerEvent('Raced')], version)),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled').length;
      const errors = outcomes.filter(
        (o) => o.status === 'rejected' && !(o.reason instanceof Conflict),
      ).length;
      return { winners, errors };
    }
  }
}

const [kind, databaseUrl] = process.argv.slice(2);
const opened = await (kind === 'emmett' ? emmett : ours)(databaseUrl!);
// every event appended, so a catch-up can be checked against it
let appended = 0;
const store: PeerStore = {
  ...opened,
  append: async (streamId, events, expected) => {
    const version = await opened.append(streamId, events, expected);
    appended += events.length;
    return version;
  },
};
process.on('message', async (command: Command | 'close') => {
  if (command === 'close') {
    await store.close();
    process.exit(0);
  }
  try {
    process.send!({ ok: await measure(store, command) });
  } catch (e) {
    process.send!({ error: String((e as Error).stack ?? e) });
  }
});
process.send!('ready');
