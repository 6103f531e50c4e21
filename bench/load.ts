// A load generator (autocannon) in a child process, so the server under test keeps its event loop to itself.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { composeEgn } from '@casework/contracts';
import autocannon from 'autocannon';

export type Load = {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** `registration`: a new synthetic client per request, numbered from `from`. */
  body?: 'registration';
  from?: number;
  total: number;
  concurrency: number;
};
export type LoadResult = {
  perSecond: number;
  p50: number;
  p97_5: number;
  statuses: { '2xx': number; non2xx: number; errors: number };
};

/** The n-th synthetic ЕГН: 1000 serials per birth date, dates counted from 1 January 1940. */
export const syntheticEgn = (n: number) =>
  composeEgn(new Date(Date.UTC(1940, 0, 1 + Math.floor(n / 1000))).toISOString().slice(0, 10), n % 1000);

export function runLoad(load: Load): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [JSON.stringify(load)], {
      execArgv: ['--conditions=casework-src', '--import', 'tsx'],
    });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
  });
}

async function generate(load: Load): Promise<LoadResult> {
  let n = load.from ?? 0;
  const start = performance.now();
  // autocannon settles on its one-second ticker: the rate is taken from the last response instead
  let last = start;
  let run: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    run = autocannon(
      {
        url: load.url,
        connections: load.concurrency,
        amount: load.total,
        requests: [
          {
            method: load.method,
            headers: { ...load.headers, ...(load.body ? { 'content-type': 'application/json' } : {}) },
            ...(load.body === 'registration'
              ? {
                  setupRequest: (req) => {
                    const i = n++;
                    return {
                      ...req,
                      body: JSON.stringify({
                        identifier: { kind: 'egn', value: syntheticEgn(i) },
                        givenName: 'Бенч',
                        familyName: `Тестов${i % 97}`,
                        municipality: 'BLG01',
                      }),
                    };
                  },
                }
              : {}),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  run!.on('response', () => {
    last = performance.now();
  });
  const result = await done;
  return {
    perSecond: (result['2xx'] / (last - start)) * 1000,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    statuses: { '2xx': result['2xx'], non2xx: result.non2xx, errors: result.errors },
  };
}

if (process.send && process.argv[2]) {
  process.send(await generate(JSON.parse(process.argv[2]) as Load), () => process.exit(0));
}
