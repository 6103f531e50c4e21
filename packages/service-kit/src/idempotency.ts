import { createHash } from 'node:crypto';
import type { EventStore } from '@casework/eventstore';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { ProblemError } from './problems.js';

type Stored = { request_hash: string; status: number; headers: Record<string, string>; body: unknown };

const KEEP_HEADERS = ['etag', 'location', 'content-type'];

/**
 * `Idempotency-Key` on POST: the first response is stored (in the service's schema) and returned again
 * for a replay of the same request; the same key with a different request is 422.
 */
export function idempotency(app: FastifyInstance, store: EventStore): void {
  const table = sql`${sql.id(store.schema)}.idempotency_keys`;
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string') return;
    if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(key)) {
      throw new ProblemError(
        400,
        'VALIDATION',
        'Invalid request',
        'Idempotency-Key: 1–200 characters [A-Za-z0-9_.:-]',
        {
          errors: [
            { field: 'headers.idempotency-key', message: 'must be 1–200 characters of [A-Za-z0-9_.:-]' },
          ],
        },
      );
    }
    const principal = request.principal?.sub ?? 'anonymous';
    const hash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
    const { rows } = await sql<Stored>`SELECT request_hash, status, headers, body FROM ${table}
      WHERE principal = ${principal} AND key = ${key}`.execute(store.db);
    const found = rows[0];
    if (found && found.request_hash !== hash) {
      throw new ProblemError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'Idempotency key reused',
        'this Idempotency-Key was used for a different request',
      );
    }
    if (found) {
      reply.status(found.status).headers({ ...found.headers, 'idempotent-replayed': 'true' });
      return reply.send(found.body);
    }
    request.idempotency = { principal, key, hash };
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const i = request.idempotency;
    if (!i || reply.statusCode >= 500) return payload;
    const headers = Object.fromEntries(
      KEEP_HEADERS.flatMap((h) =>
        reply.getHeader(h) !== undefined ? [[h, String(reply.getHeader(h))]] : [],
      ),
    );
    const body = typeof payload === 'string' && payload.length > 0 ? JSON.parse(payload) : null;
    await sql`INSERT INTO ${table} (principal, key, request_hash, status, headers, body)
      VALUES (${i.principal}, ${i.key}, ${i.hash}, ${reply.statusCode}, ${JSON.stringify(headers)}::jsonb, ${JSON.stringify(body)}::jsonb)
      ON CONFLICT DO NOTHING`.execute(store.db);
    return payload;
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { principal: string; key: string; hash: string };
  }
}
