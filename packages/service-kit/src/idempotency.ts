import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import type { EventStore } from '@casework/eventstore';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { logAccess, type Seen } from './accessLog.js';
import { ProblemError } from './problems.js';
import { sweepEvery } from './sweep.js';

export type IdempotencyOptions = {
  /** Server secret the key digests and the sealed responses derive from (HKDF, own labels). */
  secret: string;
  /** How long a completed key is replayed (then it is deleted); default 24 h. */
  ttlHours?: number;
  /** How long a claim of a request still running holds the key (a crashed process frees it then). */
  leaseMs?: number;
  /** How often expired rows are swept; 0 switches the sweep off (rows also go on access). */
  sweepMs?: number;
  clock?: () => Date;
};

type Row = {
  request_hash: string;
  state: 'pending' | 'done';
  status: number | null;
  etag: string | null;
  location: string | null;
  resource: string | null;
  sealed: Buffer | null;
  shown: Buffer | null;
};

type Claim = { caller: string; keyHash: string; key: string; hash: string; claim: string; settled: boolean };

const KEY_FORMAT = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * `Idempotency-Key` on POST (ADR 8). The key is claimed before the command runs (a pending row, inserted
 * in its own statement), so a concurrent second request with the same key gets 409 instead of running
 * too. The record belongs to the caller *and* the scope of the token (sub, roles, municipality, oblast):
 * another scope never finds it. Only a 2xx answer completes it (any other answer frees the key), and it
 * expires after `ttlHours`. It keeps no personal data: status, ETag, Location and the URL that reads the
 * resource; a replay reads the resource again through that GET route with the caller's own token, so
 * jurisdiction and the access log apply to it as to any read. Where no route reads the result back, the
 * response is kept sealed (AES-256-GCM under a key derived from the server secret and the client's
 * Idempotency-Key, which is itself kept only as an HMAC), and deleted at expiry like the rest; the
 * clients that answer showed (as `logAccess` noted them) are sealed beside it, and a replay logs them
 * as a read, as the first answer was.
 */
export function idempotency(app: FastifyInstance, store: EventStore, o: IdempotencyOptions): void {
  const table = sql`${sql.id(store.schema)}.idempotency_keys`;
  const clock = o.clock ?? (() => new Date());
  const ttlMs = (o.ttlHours ?? 24) * 3_600_000;
  const leaseMs = o.leaseMs ?? 10 * 60_000;
  const keyDigestKey = Buffer.from(hkdfSync('sha256', o.secret, 'casework', 'idempotency-key-digest-v1', 32));
  const digest = (value: string) => createHmac('sha256', keyDigestKey).update(value).digest('hex');
  const sealKey = (c: Pick<Claim, 'caller' | 'key'>) =>
    Buffer.from(hkdfSync('sha256', o.secret, c.caller, `idempotency-response-v1:${c.key}`, 32));

  // GET routes by template with their 200 schema: a command answering with the same schema as a GET of
  // a prefix of its path (POST /v1/sites/:siteId/close → GET /v1/sites/:siteId) is read back through it
  const reads = new Map<string, { schema: unknown; pattern: RegExp }>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('GET')) return;
    // a GET that cannot answer without its query (a register over dates) cannot read a result back
    if (needsQuery((route.schema as { querystring?: unknown } | undefined)?.querystring)) return;
    const pattern = new RegExp(`^${route.url.replace(/:[A-Za-z0-9_]+/g, '[^/?#]+')}$`);
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    reads.set(route.url, { schema: response?.[200] ?? response?.['2xx'], pattern });
  });
  const readable = (path: string) => [...reads.values()].some((r) => r.pattern.test(path));

  /** The URL a replay reads the result from: the Location, else the GET of the same resource, if any. */
  function resourceOf(request: FastifyRequest, reply: FastifyReply): string | undefined {
    // an answer holding what no read shows again (a secret shown once) is replayed from its sealed copy
    if (request.routeOptions.config?.keepAnswer) return undefined;
    const location = reply.getHeader('location');
    if (typeof location === 'string' && location.startsWith('/') && readable(location)) return location;
    const template = request.routeOptions.url;
    const response = (request.routeOptions.schema as { response?: Record<string, unknown> } | undefined)
      ?.response;
    const schema = response?.[reply.statusCode];
    if (!template || !schema) return undefined;
    const params = (request.params ?? {}) as Record<string, string>;
    for (let t = template; t.lastIndexOf('/') > 0; t = t.slice(0, t.lastIndexOf('/'))) {
      if (reads.get(t)?.schema !== schema) continue;
      return t.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    }
    return undefined;
  }

  async function claimOrFind(c: Claim, now: Date): Promise<Row | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      // an expired record (or an abandoned claim) is gone for good: the key starts afresh
      await sql`DELETE FROM ${table} WHERE caller = ${c.caller} AND key_hash = ${c.keyHash}
        AND expires_at <= ${now}`.execute(store.db);
      const inserted = await sql`INSERT INTO ${table}
          (caller, key_hash, request_hash, state, claim, created_at, expires_at)
        VALUES (${c.caller}, ${c.keyHash}, ${c.hash}, 'pending', ${c.claim}, ${now},
          ${new Date(now.getTime() + leaseMs)})
        ON CONFLICT DO NOTHING RETURNING claim`.execute(store.db);
      if (inserted.rows.length === 1) return undefined;
      const { rows } = await sql<Row>`SELECT request_hash, state, status, etag, location, resource, sealed,
          shown FROM ${table} WHERE caller = ${c.caller} AND key_hash = ${c.keyHash} AND expires_at > ${now}`.execute(
        store.db,
      );
      if (rows[0]) return rows[0];
    }
    throw inProgress();
  }

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    // a public command (a token request) has no caller to keep its key under: it is never replayed
    if (request.method !== 'POST' || key === undefined || request.routeOptions.config.roles === 'public')
      return;
    if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
      throw new ProblemError(
        400,
        'VALIDATION',
        'Invalid request',
        'headers.idempotency-key: must be 1–200 characters of [A-Za-z0-9_.:-]',
        {
          errors: [
            { field: 'headers.idempotency-key', message: 'must be 1–200 characters of [A-Za-z0-9_.:-]' },
          ],
        },
      );
    }
    const p = request.principal;
    const caller = createHash('sha256')
      .update(
        JSON.stringify([p?.sub ?? '', [...(p?.roles ?? [])].sort(), p?.municipality ?? '', p?.oblast ?? '']),
      )
      .digest('hex');
    const hash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const c: Claim = { caller, keyHash: digest(key), key, hash, claim: randomUUID(), settled: false };
    const found = await claimOrFind(c, clock());
    if (!found) {
      request.idempotency = c;
      return;
    }
    if (found.request_hash !== hash) {
      throw new ProblemError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'Idempotency key reused',
        'this Idempotency-Key was used for a different request',
      );
    }
    if (found.state === 'pending') {
      reply.header('retry-after', '1');
      throw inProgress();
    }
    return replay(request, reply, c, found);
  });

  async function replay(request: FastifyRequest, reply: FastifyReply, c: Claim, found: Row) {
    const headers: Record<string, string> = { 'idempotent-replayed': 'true' };
    if (found.location) headers.location = found.location;
    if (found.resource) {
      // read through the route, as the caller: out of scope now is 404, and the read is logged as any
      const read = await app.inject({
        method: 'GET',
        url: found.resource,
        headers: {
          ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
          'x-correlation-id': request.id,
        },
      });
      const type = String(read.headers['content-type'] ?? 'application/json');
      if (read.statusCode < 200 || read.statusCode > 299) {
        return reply.status(read.statusCode).type(type).send(read.payload);
      }
      if (read.headers.etag) headers.etag = String(read.headers.etag);
      return reply
        .status(found.status ?? 200)
        .headers(headers)
        .type(type)
        .send(read.payload);
    }
    if (found.etag) headers.etag = found.etag;
    const body = found.sealed ? unseal(sealKey(c), found.sealed) : undefined;
    // the stored answer shows its clients again: a read, logged as the first answer was
    const shown = body !== undefined && found.shown ? unseal(sealKey(c), found.shown) : undefined;
    if (shown !== undefined) await logAccess({ store }, request, 'read', JSON.parse(shown) as Seen[]);
    reply.status(found.status ?? 200).headers(headers);
    if (body === undefined) return reply.send();
    return reply.type('application/json; charset=utf-8').send(body);
  }

  app.addHook('onSend', async (request, reply, payload) => {
    const c = request.idempotency;
    if (!c || c.settled) return payload;
    c.settled = true;
    const status = reply.statusCode;
    if (status < 200 || status > 299) {
      await release(c);
      return payload;
    }
    const now = clock();
    const resource = resourceOf(request, reply);
    const etag = reply.getHeader('etag');
    const location = reply.getHeader('location');
    const sealed =
      resource === undefined && typeof payload === 'string' && payload.length > 0
        ? seal(sealKey(c), payload)
        : null;
    const shown =
      sealed && request.accessShown?.length ? seal(sealKey(c), JSON.stringify(request.accessShown)) : null;
    await sql`UPDATE ${table} SET state = 'done', status = ${status},
        etag = ${etag === undefined ? null : String(etag)},
        location = ${typeof location === 'string' ? location : null},
        resource = ${resource ?? null}, sealed = ${sealed}, shown = ${shown},
        expires_at = ${new Date(now.getTime() + ttlMs)}
      WHERE caller = ${c.caller} AND key_hash = ${c.keyHash} AND claim = ${c.claim}`.execute(store.db);
    return payload;
  });
  // whatever ends a request without a response (an aborted connection, a failing hook) frees the key
  const settle = async (request: FastifyRequest) => {
    const c = request.idempotency;
    if (!c || c.settled) return;
    c.settled = true;
    await release(c);
  };
  app.addHook('onResponse', settle);
  app.addHook('onRequestAbort', settle);

  async function release(c: Claim) {
    await sql`DELETE FROM ${table} WHERE caller = ${c.caller} AND key_hash = ${c.keyHash}
      AND claim = ${c.claim} AND state = 'pending'`.execute(store.db);
  }

  const sweepMs = o.sweepMs ?? 15 * 60_000;
  if (sweepMs > 0) {
    sweepEvery(app, sweepMs, 'idempotency', () =>
      sql`DELETE FROM ${table} WHERE expires_at <= ${clock()}`.execute(store.db),
    );
  }
}

const inProgress = () =>
  new ProblemError(
    409,
    'IDEMPOTENCY_KEY_IN_PROGRESS',
    'Request in progress',
    'a request with this Idempotency-Key is still running; retry when it has finished',
    {},
  );

/** Whether a route's querystring schema (zod, or JSON Schema) refuses an empty query. */
function needsQuery(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const zod = schema as { safeParse?: (v: unknown) => { success: boolean } };
  if (typeof zod.safeParse === 'function') return !zod.safeParse({}).success;
  const required = (schema as { required?: unknown }).required;
  return Array.isArray(required) && required.length > 0;
}

function seal(key: Buffer, text: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(key: Buffer, sealed: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: Claim;
  }
}
