import { type Database, EventStore, migrate } from '@casework/eventstore';
import { DeadLetters, type Transport } from '@casework/messaging';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { uuidv7 } from 'uuidv7';
import { accessLogMigrations } from './accessLog.js';
import { adminRoutes } from './admin.js';
import { type AuthConfig, createVerifier, localIssuer, TokenRejected } from './auth.js';
import { correlationId } from './correlation.js';
import { useCursorSecret } from './cursor.js';
import { deprecations } from './deprecation.js';
import { errorHandler } from './errorHandler.js';
import { feedRoutes } from './feed.js';
import { securityHeaders } from './headers.js';
import { healthRoutes } from './health.js';
import { type HostedService, startWorkers, stopWorkers } from './hosting.js';
import { idempotency } from './idempotency.js';
import { clientErrorHandler, frameworkErrors, inputChecks } from './inputChecks.js';
import { auditIntegratorCalls, integratorCallMigrations, integratorCallRoutes } from './integrators/calls.js';
import { type LogDestination, loggerOptions } from './logger.js';
import { serveMetrics } from './metrics.js';
import { API_VERSION, truthfulResponses } from './openapi.js';
import type { Role } from './principal.js';
import { forbidden, ProblemError, unauthorized } from './problems.js';
import { type RateLimits, rateLimitMigrations, rateLimits } from './rateLimit.js';
import { referenceUi } from './reference.js';
import { serializerCompiler } from './serializer.js';
import type { ServiceContext, ServiceModule } from './serviceModule.js';
import { traceRequests } from './tracing.js';
import type { WebhookOptions } from './webhooks/options.js';
import { webhookRoutes } from './webhooks/routes.js';
import { webhookMigrations } from './webhooks/tables.js';

export type AppOptions = {
  services: ServiceModule[];
  database: Database;
  transport: Transport;
  auth: AuthConfig;
  /** Key of the HMAC that makes personal identifiers comparable without storing them in events. */
  identifierKey: string;
  logLevel?: string;
  logStream?: LogDestination;
  /** Start relays, projections and consumers (tests switch them on only where they need them). */
  workers?: boolean;
  clock?: () => Date;
  newId?: () => string;
  title?: string;
  /**
   * Per-caller limits on search and registration and the identifier-probe throttle, counted in each
   * service's schema (defaults: DEFAULT_RATE_LIMITS; 0 switches one off).
   */
  rateLimits?: Partial<RateLimits>;
  /** How long a completed Idempotency-Key is replayed, then deleted (default 24; ADR 8). */
  idempotencyTtlHours?: number;
  /** Proxies whose X-Forwarded-* headers are believed (Fastify `trustProxy`); HSTS needs to see TLS. */
  trustProxy?: boolean | string;
  /** How webhooks are delivered (ADR 15): receivers on internal networks, timeouts, retries. */
  webhooks?: WebhookOptions;
  /** Spans for requests and consumed events (the host has started an OpenTelemetry SDK); off by default. */
  tracing?: boolean;
  /** Prometheus metrics on /metrics; off by default. */
  metrics?: boolean;
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent means any authenticated caller; 'public' means no token. */
    roles?: readonly Role[] | 'public';
    /**
     * The answer holds what no read shows again (a secret shown once): an Idempotency-Key replays it from
     * its sealed copy, not by reading the created resource back.
     */
    keepAnswer?: boolean;
  }
  interface FastifyInstance {
    hosted: HostedService[];
  }
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(o.logLevel ?? 'info', o.logStream),
    genReqId: correlationId,
    bodyLimit: 1_048_576,
    routerOptions: { ignoreTrailingSlash: true },
    // what the HTTP parser refuses (headers over 16 KiB) is problem+json too
    clientErrorHandler,
    frameworkErrors,
    trustProxy: o.trustProxy ?? false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request) => {
    throw new ProblemError(
      404,
      'NOT_FOUND',
      'Not found',
      // never the path: it may hold an identifier
      `no route answers ${request.method} at this path`,
    );
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-correlation-id', request.id);
    return payload;
  });
  securityHeaders(app);
  deprecations(app);
  useCursorSecret(o.identifierKey);

  const verify = createVerifier(o.auth);
  app.addHook('preValidation', async (request) => {
    const roles = request.routeOptions.config.roles;
    if (roles === 'public' || request.routeOptions.url === undefined) return;
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw unauthorized();
    try {
      request.principal = await verify(header.slice(7));
    } catch (e) {
      throw unauthorized(e instanceof TokenRejected ? e.message : 'the bearer token is invalid or expired');
    }
    if (roles && !request.principal.roles.some((r) => r === 'admin' || roles.includes(r))) {
      throw forbidden(`this action needs one of the roles: ${roles.join(', ')}`);
    }
  });

  inputChecks(app);
  // before every route: its hook measures them all
  if (o.metrics) serveMetrics(app, () => app.hosted ?? []);
  const serviceOf = new Map<string, string>();
  if (o.tracing) traceRequests(app, (url) => serviceOf.get(url));
  // an integrator's call to a route of no service (an admin route it is refused) in the first service's
  // log; calls to a service's routes are logged in its scope, after its idempotency hook (below)
  const serviceRoutes = new Set<string>();
  auditIntegratorCalls(
    app,
    (request) => !serviceRoutes.has(request.routeOptions.url ?? ''),
    () => {
      const store = app.hosted[0]?.ctx.store;
      if (!store) throw new Error('no service hosted to log an integrator call in');
      return store;
    },
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: o.title ?? 'Casework API',
        version: API_VERSION,
        description:
          'Case management for municipal social services in Bulgaria. Errors are RFC 9457 problem details.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: truthfulResponses,
    transformObject: jsonSchemaTransformObject,
  });
  await referenceUi(app);

  await o.database.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
  const hosted: HostedService[] = [];
  const tokens = localIssuer(o.auth);
  for (const module of o.services) {
    await migrate(o.database.db, module.schema, {
      ...accessLogMigrations(module.schema),
      ...rateLimitMigrations(module.schema),
      ...webhookMigrations(module.schema),
      ...integratorCallMigrations(module.schema),
      ...module.migrations,
    });
    const store = new EventStore(o.database, module.schema);
    const ctx: ServiceContext = {
      service: module.name,
      store,
      transport: o.transport,
      clock: o.clock ?? (() => new Date()),
      newId: o.newId ?? uuidv7,
      secrets: { identifierKey: o.identifierKey },
      ...(tokens ? { tokens } : {}),
      log: app.log.child({ service: module.name }),
    };
    await module.seed?.(ctx);
    const routes = new Set<string>();
    const h: HostedService = {
      module,
      ctx,
      routes: [],
      consumers: [],
      workers: [],
      deadLetters: new DeadLetters(store),
    };
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        routes.add(route.url);
      });
      // per-caller limits count in the service's schema: one budget for all its instances
      await rateLimits(scope, o.rateLimits ?? {}, { db: o.database.db, schema: module.schema });
      idempotency(scope, store, {
        secret: o.identifierKey,
        ...(o.idempotencyTtlHours !== undefined ? { ttlHours: o.idempotencyTtlHours } : {}),
        ...(o.clock ? { clock: o.clock } : {}),
      });
      // after idempotency's hook: the answer of a committed command is kept before its call is logged, so a
      // failed log write answers 500 and a retry with the key replays the answer instead of acting again
      auditIntegratorCalls(
        scope,
        () => true,
        () => store,
      );
      await scope.register(module.routes, { ctx });
      // its event feed and webhooks: the service's own routes, under its idempotency and limits
      await scope.register(feedRoutes, { hosted: h });
      await scope.register(webhookRoutes, { hosted: h, options: o.webhooks ?? {} });
      await scope.register(integratorCallRoutes, { hosted: h });
    });
    h.routes = [...routes];
    for (const route of routes) {
      serviceRoutes.add(route);
      serviceOf.set(route, module.name);
    }
    hosted.push(h);
  }
  app.decorate('hosted', hosted);

  if (o.workers ?? true) startWorkers(hosted, o.webhooks, { tracing: o.tracing ?? false });
  app.addHook('onClose', () => stopWorkers(hosted));

  await app.register(healthRoutes, { database: o.database, transport: o.transport, hosted });
  await app.register(adminRoutes, { hosted });
  return app;
}
