import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IntegratorRevoked, MunicipalityCode, OblastCode, Problem } from '@casework/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { causeOf } from '../events.js';
import { notFound, ProblemError } from '../problems.js';
import type { Scope } from '../scope.js';
import type { ServiceContext } from '../serviceModule.js';
import { appendOf } from '../streams.js';
import { inTransaction } from '../unitOfWork.js';
import { endWebhooksOf } from '../webhooks/revoked.js';
import { logIntegratorCalls } from './calls.js';
import { integratorSubject } from './subject.js';

/** A token's life: short, so a revoked integrator's last token ends soon after (ADR 16). */
const TOKEN_LIFETIME_S = 600;
/** How long the secret a rotation replaces keeps working, so an integrator can deploy the new one. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;
const TOKEN_PATH = '/v1/oauth/token';

type KeptHash = { hash: string; expiresAt: string | null };
type IntegratorRow = {
  id: string;
  name: string;
  scope: Scope;
  secrets: KeptHash[];
  status: 'active' | 'revoked';
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
};

/** The registered integrators: opted into by the one service that issues their tokens (intake). */
export const integratorCredentialMigrations = (schema: string): Record<string, Migration> => ({
  '0031_integrators': {
    async up(db) {
      await sql`CREATE TABLE ${sql.id(schema, 'integrators')} (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          scope jsonb NOT NULL,
          secrets jsonb NOT NULL,
          status text NOT NULL DEFAULT 'active',
          created_at timestamptz NOT NULL DEFAULT now(),
          created_by text NOT NULL,
          revoked_at timestamptz,
          revoked_by text
        )`.execute(db);
    },
  },
});

const Registration = z
  .object({
    name: z.string().trim().min(1).max(200).meta({ description: 'Who integrates, as the admin knows them' }),
    municipality: MunicipalityCode.optional(),
    oblast: OblastCode.optional(),
  })
  .refine((r) => !(r.municipality && r.oblast), {
    path: ['oblast'],
    message: 'an integrator is scoped to a municipality or an oblast, not both',
  })
  .meta({
    id: 'IntegratorRegistration',
    description: 'Neither municipality nor oblast: a national integrator (the national register)',
    example: { name: 'Bansko municipal ERP', municipality: 'BLG01' },
  });

const Integrator = z
  .object({
    integratorId: z.uuid(),
    clientId: z.string().meta({ description: 'The OAuth client id: the integrator id' }),
    name: z.string(),
    scope: z.object({ municipality: MunicipalityCode.optional(), oblast: OblastCode.optional() }),
    status: z.enum(['active', 'revoked']),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({
    id: 'Integrator',
    example: {
      integratorId: '01900000-0000-7000-8000-0000000000a1',
      clientId: '01900000-0000-7000-8000-0000000000a1',
      name: 'Bansko municipal ERP',
      scope: { municipality: 'BLG01' },
      status: 'active',
      createdAt: '2026-12-01T09:00:00.000Z',
      revokedAt: null,
    },
  });
const secretNote = 'The client secret (`cws_…`): shown once, here; Casework keeps only its keyed hash';
const WithSecret = Integrator.extend({ clientSecret: z.string().meta({ description: secretNote }) }).meta({
  id: 'IntegratorWithSecret',
  example: {
    ...Integrator.meta()!.example!,
    clientSecret: 'cws_3q2J5m0cQ5m9dV0Zr1m8m2iVQYQ8bW2o0bW2o0bW2o0',
  },
});
const SecretRotated = z
  .object({
    clientSecret: z.string().meta({ description: secretNote }),
    previousValidUntil: z.iso.datetime().meta({
      description:
        'Until then the replaced secret works too (now, with keepPrevious=false: it works no more)',
    }),
  })
  .meta({
    id: 'IntegratorSecretRotated',
    example: {
      clientSecret: 'cws_Yk7Xv1m0cQ5m9dV0Zr1m8m2iVQYQ8bW2o0bW2o0bW2o0',
      previousValidUntil: '2026-12-02T09:00:00.000Z',
    },
  });
const IntegratorParams = z.object({ integratorId: z.uuid() });
const Rotation = z.object({
  keepPrevious: z
    .enum(['true', 'false'])
    .default('true')
    .meta({
      description:
        'Keep the replaced secret working for a day, to deploy the new one without a gap; false when it ' +
        'leaked: it stops at once',
    }),
});

const TokenRequest = z
  .object({
    grant_type: z.string().max(100).optional().meta({ description: '`client_credentials`' }),
    client_id: z.string().max(200).optional().meta({ description: 'Or in HTTP Basic authentication' }),
    client_secret: z.string().max(200).optional().meta({ description: 'Or in HTTP Basic authentication' }),
    scope: z
      .string()
      .max(1000)
      .optional()
      .meta({ description: "Ignored: a token carries its client's scope" }),
  })
  .meta({
    id: 'TokenRequest',
    description:
      'OAuth 2.0 client credentials grant (RFC 6749 §4.4), as `application/x-www-form-urlencoded` (or JSON); ' +
      'the client authenticates with HTTP Basic or with `client_id` and `client_secret` in the body',
    example: { grant_type: 'client_credentials' },
  });
const TokenAnswer = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().meta({ description: 'Seconds the token lives' }),
  })
  .meta({
    id: 'TokenAnswer',
    example: { access_token: 'eyJhbGciOiJIUzI1NiJ9…', token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S },
  });

/** An OAuth error (RFC 6749 §5.2) as problem details: `error` and `error_description` beside `code`. */
const oauthError = (status: 400 | 401, error: string, description: string, field?: string) =>
  new ProblemError(
    status,
    error.toUpperCase(),
    status === 401 ? 'Unauthorized' : 'Invalid request',
    description,
    {
      error,
      error_description: description,
      ...(field ? { errors: [{ field, message: description }] } : {}),
    },
  );

/** What an HTTP Basic header names (RFC 6749 §2.3.1: each part form-urlencoded), or undefined. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/**
 * Integrators' client credentials (ADR 16): an admin registers an integrator with its scope (national,
 * an oblast or a municipality) and gets its client id and secret, shown once; the integrator exchanges
 * them at `POST /v1/oauth/token` for a token of 10 minutes with that scope and the `integrator` role.
 * Secrets rotate with a day's overlap; a revoked integrator gets no token again. Every token request is
 * in the call log, by the integrator it names when there is one. Registered by one service (intake),
 * only where the platform signs its own tokens (`ctx.tokens`): beside an identity provider, that
 * provider's client credentials grant issues them.
 */
export const integratorCredentialRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (
  app,
  { ctx },
) => {
  const tokens = ctx.tokens;
  if (!tokens) return;
  const t = sql.id(ctx.store.schema, 'integrators');
  const db = ctx.store.db;
  const lifetime = Math.min(TOKEN_LIFETIME_S, tokens.maxLifetime);
  // the keyed hash of a secret: secrets are 256 random bits, so a fast keyed hash is as safe as a slow one
  const hashOf = (secret: string) =>
    createHmac('sha256', `integrator-secret\n${ctx.secrets.identifierKey}`).update(secret).digest('hex');
  const newSecret = () => `cws_${randomBytes(32).toString('base64url')}`;
  const view = (r: IntegratorRow): z.infer<typeof Integrator> => ({
    integratorId: r.id,
    clientId: r.id,
    name: r.name,
    scope: r.scope,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at?.toISOString() ?? null,
  });
  const find = async (id: string) => {
    const { rows } = await sql<IntegratorRow>`SELECT * FROM ${t} WHERE id = ${id}::uuid`.execute(db);
    if (!rows[0]) throw notFound(`integrator ${id}`);
    return rows[0];
  };
  const admin = { roles: ['admin'] } as const;
  const keyAnswers = { 409: Problem, 422: Problem } as const;

  app.post(
    '/v1/integrators',
    {
      config: { ...admin, keepAnswer: true },
      schema: {
        tags: ['integrators'],
        summary: 'Register an integrator: its client id and secret, with its scope',
        body: Registration,
        response: { 201: WithSecret, ...keyAnswers },
      },
    },
    async (request, reply) => {
      const { name, municipality, oblast } = request.body;
      const secret = newSecret();
      const scope: Scope = { ...(municipality ? { municipality } : {}), ...(oblast ? { oblast } : {}) };
      const { rows } = await sql<IntegratorRow>`INSERT INTO ${t} (id, name, scope, secrets, created_by)
        VALUES (${uuidv7()}::uuid, ${name}, ${JSON.stringify(scope)}::jsonb,
          ${JSON.stringify([{ hash: hashOf(secret), expiresAt: null }])}::jsonb, ${principalOf(request).sub})
        RETURNING *`.execute(db);
      const integrator = view(rows[0]!);
      reply.code(201).header('location', `/v1/integrators/${integrator.integratorId}`);
      return { ...integrator, clientSecret: secret };
    },
  );

  app.get(
    '/v1/integrators',
    {
      config: admin,
      schema: {
        tags: ['integrators'],
        summary: 'The registered integrators, oldest first',
        response: {
          200: z
            .object({ items: z.array(Integrator) })
            .meta({ id: 'IntegratorList', example: { items: [Integrator.meta()!.example] } }),
        },
      },
    },
    async () => {
      const { rows } = await sql<IntegratorRow>`SELECT * FROM ${t} ORDER BY created_at, id`.execute(db);
      return { items: rows.map(view) };
    },
  );

  app.get(
    '/v1/integrators/:integratorId',
    {
      config: admin,
      schema: {
        tags: ['integrators'],
        summary: 'One integrator',
        params: IntegratorParams,
        response: { 200: Integrator, 404: Problem },
      },
    },
    async (request) => view(await find(request.params.integratorId)),
  );

  app.post(
    '/v1/integrators/:integratorId/secret',
    {
      config: { ...admin, keepAnswer: true },
      schema: {
        tags: ['integrators'],
        summary: 'Rotate the client secret: the new one at once, the one it replaces for a day more (or not)',
        params: IntegratorParams,
        querystring: Rotation,
        response: { 200: SecretRotated, 404: Problem, ...keyAnswers },
      },
    },
    async (request) => {
      const id = request.params.integratorId;
      const secret = newSecret();
      const keep = request.query.keepPrevious === 'true';
      const previousValidUntil = new Date(
        ctx.clock().getTime() + (keep ? ROTATION_OVERLAP_MS : 0),
      ).toISOString();
      await ctx.store.transaction(async (tx) => {
        const { rows } =
          await sql<IntegratorRow>`SELECT * FROM ${t} WHERE id = ${id}::uuid FOR UPDATE`.execute(tx);
        const row = rows[0];
        if (!row) throw notFound(`integrator ${id}`);
        if (row.status === 'revoked')
          throw new ProblemError(
            409,
            'INTEGRATOR_REVOKED',
            'Conflict',
            'a revoked integrator gets no secret',
          );
        const now = ctx.clock().toISOString();
        // the current secret until the overlap ends; older ones, already ending, keep their own end
        const kept = keep
          ? row.secrets
              .filter((k) => k.expiresAt === null || k.expiresAt > now)
              .map((k) => ({ hash: k.hash, expiresAt: k.expiresAt ?? previousValidUntil }))
          : [];
        await sql`UPDATE ${t} SET secrets = ${JSON.stringify([{ hash: hashOf(secret), expiresAt: null }, ...kept])}::jsonb
          WHERE id = ${id}::uuid`.execute(tx);
      });
      return { clientSecret: secret, previousValidUntil };
    },
  );

  app.post(
    '/v1/integrators/:integratorId/revoke',
    {
      config: admin,
      schema: {
        tags: ['integrators'],
        summary: 'Revoke an integrator: no token is issued to it again (one issued ends within 10 minutes)',
        params: IntegratorParams,
        response: { 200: Integrator, 404: Problem, ...keyAnswers },
      },
    },
    async (request) => {
      const id = request.params.integratorId;
      await inTransaction(ctx, async (tx) => {
        const { rows } = await sql<{
          revoked_at: Date;
        }>`UPDATE ${t} SET status = 'revoked', revoked_at = now(),
            revoked_by = ${principalOf(request).sub}, secrets = '[]'::jsonb
          WHERE id = ${id}::uuid AND status = 'active' RETURNING revoked_at`.execute(tx);
        if (!rows[0]) return;
        // its webhooks here at once, and every other service's when it consumes the event
        await endWebhooksOf(tx, ctx.store.schema, id);
        const data = { integratorId: id, revokedAt: rows[0].revoked_at.toISOString() };
        await ctx.store.append(
          [
            appendOf(
              ctx,
              { streamId: `integrator-${id}`, streamType: 'integrator', version: 0 },
              [{ type: IntegratorRevoked.name, data }],
              { [IntegratorRevoked.name]: IntegratorRevoked },
              causeOf(request),
            ),
          ],
          tx,
        );
      });
      return view(await find(id));
    },
  );

  // token requests come form-encoded (RFC 6749 §4.4.2): parsed here only, for this route
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8192 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  /**
   * Logs the token request of a registered integrator in the call log and answers it. One naming none
   * is only in the service's log (a warning, without the id it gave, which may be anything): anyone may
   * ask, and the call log keeps its rows for a year.
   */
  const answer = async (
    request: FastifyRequest,
    reply: FastifyReply,
    integrator: string | undefined,
    outcome: z.infer<typeof TokenAnswer> | ProblemError,
  ) => {
    const status = outcome instanceof ProblemError ? outcome.status : 200;
    if (integrator === undefined)
      request.log.warn({ status, route: TOKEN_PATH }, 'token request refused before naming an integrator');
    else
      await logIntegratorCalls(
        ctx.store,
        [
          {
            integrator,
            method: 'POST',
            route: TOKEN_PATH,
            status,
            correlationId: request.id,
          },
        ],
        true,
      );
    request.integratorCallLogged = true;
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (outcome instanceof ProblemError) throw outcome;
    return outcome;
  };

  app.post(
    TOKEN_PATH,
    {
      // per client address: a flood of guesses costs a lookup and an HMAC each, and finds nothing
      config: { roles: 'public', limit: 'token' },
      schema: {
        tags: ['integrators'],
        summary: "Exchange an integrator's client id and secret for a short-lived bearer token",
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: { 200: TokenAnswer, 401: Problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const basic = basicCredentials(request.headers.authorization);
      const id = basic?.id ?? body.client_id;
      const secret = basic?.secret ?? body.client_secret;
      if (body.grant_type === undefined)
        return answer(
          request,
          reply,
          undefined,
          oauthError(400, 'invalid_request', 'grant_type is required', 'body.grant_type'),
        );
      if (body.grant_type !== 'client_credentials')
        return answer(
          request,
          reply,
          undefined,
          oauthError(400, 'unsupported_grant_type', 'only client_credentials is granted', 'body.grant_type'),
        );
      // a registered integrator, or none; a database that fails is a 500, never a wrong secret
      const row =
        id && z.uuid().safeParse(id).success
          ? await find(id).catch((e: unknown) => {
              if (e instanceof ProblemError && e.status === 404) return undefined;
              throw e;
            })
          : undefined;
      const now = ctx.clock().toISOString();
      const given = secret ? Buffer.from(hashOf(secret), 'hex') : undefined;
      const valid =
        row?.status === 'active' &&
        given !== undefined &&
        row.secrets.some(
          (k) =>
            (k.expiresAt === null || k.expiresAt > now) && timingSafeEqual(Buffer.from(k.hash, 'hex'), given),
        );
      if (!row || !valid) {
        if (basic) reply.header('www-authenticate', 'Basic realm="casework"');
        // the id is logged only when it is a registered integrator's: an unknown one may be anything
        return answer(
          request,
          reply,
          row ? integratorSubject(row.id) : undefined,
          oauthError(401, 'invalid_client', 'the client id and secret are not those of an active integrator'),
        );
      }
      const token = await tokens.issue(
        { sub: integratorSubject(row.id), roles: ['integrator'], ...row.scope },
        lifetime,
      );
      return answer(request, reply, integratorSubject(row.id), {
        access_token: token,
        token_type: 'Bearer',
        expires_in: lifetime,
      });
    },
  );
};
