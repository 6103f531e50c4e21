// A load generator (autocannon) in a child process, so the server under test keeps its event loop to itself.
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { composeEgn } from '@casework/contracts';
import autocannon from 'autocannon';

/** One kind of request of a mix: `{client}` in its path is one of the load's clients, at random. */
export type MixItem = { weight: number; method: 'GET' | 'POST'; path: string; body?: 'registration' };

export type Load = {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** `registration`: a new synthetic client per request, numbered from `from`. */
  body?: 'registration' | 'admission';
  /** `admission`: the n-th synthetic client (see `syntheticUuid`) to one of the sites, in turn. */
  admission?: { siteIds: string[]; on: string };
  from?: number;
  /** Requests to send, or (without) seconds to run for. */
  total?: number;
  seconds?: number;
  concurrency: number;
  /** Requests drawn by weight instead of `method` to `url` (whose path is then ignored). */
  mix?: MixItem[];
  clients?: string[];
};
export type LoadResult = {
  perSecond: number;
  /** Responses, of any status. */
  requests: number;
  p50: number;
  p97_5: number;
  p99: number;
  statuses: { '2xx': number; non2xx: number; errors: number };
  /** Responses by status code. */
  codes: Record<string, number>;
};

/** The id the benches give the n-th synthetic record of a kind, the same as their SQL does (md5, as a v4 UUID). */
export const syntheticUuid = (kind: string, n: number) => {
  const h = createHash('md5').update(`${kind}${n}`).digest('hex').split('');
  h[12] = '4';
  h[16] = '8';
  const x = h.join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};

/** The same id in SQL, for a number column `n`. */
export const syntheticUuidSql = (kind: string, n: string) =>
  `overlay(overlay(md5('${kind}' || ${n}) placing '4' from 13) placing '8' from 17)::uuid`;

/**
 * A time-ordered id for a number column `n` in SQL, shaped like the UUIDv7 ids the services generate
 * (the number in the leading bits, so later records sort later; `tag` keeps kinds apart).
 */
export const orderedUuidSql = (tag: number, n: string) =>
  `(substr(lpad(to_hex(${n}), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(${n}), 12, '0'), 9, 4) || '-7' ||
    lpad(to_hex(${tag}), 3, '0') || '-8000-000000000000')::uuid`;

/** A state-funded day centre of Bansko with this many places, as the benches open it (POST /v1/sites). */
export const benchSite = (places: number) => ({
  name: 'Bench day centre',
  serviceType: 'day_centre_adults_disabilities',
  municipality: 'BLG01',
  address: 'Synthetic street 1',
  provider: 'Synthetic provider',
  funding: 'state_delegated',
  openedOn: '2026-01-05',
  places,
});

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
    child.once('exit', (code) => reject(new Error(`the load generator exited (${code}) without a result`)));
  });
}

const registration = (i: number) =>
  JSON.stringify({
    identifier: { kind: 'egn', value: syntheticEgn(i) },
    givenName: 'Бенч',
    familyName: `Тестов${i % 97}`,
    municipality: 'BLG01',
  });

/** Draws one request of a mix by weight. */
function mixer(load: Load, next: () => number) {
  const items = load.mix!;
  // cumulative weights: the first item whose bound is past a uniform draw
  const bounds = items.map((_, k) => items.slice(0, k + 1).reduce((s, i) => s + i.weight, 0));
  const total = bounds[bounds.length - 1]!;
  const clients = load.clients ?? [];
  return (req: autocannon.Request) => {
    const draw = Math.random() * total;
    const item = items[bounds.findIndex((b) => draw < b)] ?? items[items.length - 1]!;
    const client = clients[Math.floor(Math.random() * clients.length)] ?? '';
    return {
      ...req,
      method: item.method,
      path: item.path.replace('{client}', client),
      headers: {
        ...load.headers,
        ...(item.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(item.body === 'registration' ? { body: registration(next()) } : {}),
    } as autocannon.Request;
  };
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
        ...(load.total !== undefined ? { amount: load.total } : { duration: load.seconds ?? 8 }),
        requests: load.mix
          ? [{ setupRequest: mixer(load, () => n++) }]
          : [
              {
                method: load.method,
                headers: { ...load.headers, ...(load.body ? { 'content-type': 'application/json' } : {}) },
                ...(load.body === 'registration'
                  ? {
                      setupRequest: (req) => ({ ...req, body: registration(n++) }),
                    }
                  : load.body === 'admission'
                    ? {
                        setupRequest: (req) => {
                          const i = n++;
                          const { siteIds, on } = load.admission!;
                          return {
                            ...req,
                            body: JSON.stringify({
                              clientId: syntheticUuid('c', i),
                              siteId: siteIds[i % siteIds.length],
                              on,
                              emergency: { justification: 'Benchmark admission (synthetic)' },
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
    requests: result['2xx'] + result.non2xx,
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    statuses: { '2xx': result['2xx'], non2xx: result.non2xx, errors: result.errors },
    codes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s?.count ?? 0]),
    ),
  };
}

if (process.send && process.argv[2]) {
  process.send(await generate(JSON.parse(process.argv[2]) as Load), () => process.exit(0));
}
