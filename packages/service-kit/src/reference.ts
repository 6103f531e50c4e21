import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { correlationId } from './correlation.js';
import { errorHandler } from './errorHandler.js';
import { securityHeaders } from './headers.js';
import { type LogDestination, loggerOptions } from './logger.js';
import { ProblemError } from './problems.js';

/**
 * The reference UI (Swagger UI) at `/docs`, its page, assets and JSON/YAML documents public like
 * `/openapi.json`: an integrator's browser sends no token for them. "Try it" sends the token pasted in
 * "Authorize" to the API of the page's own origin.
 */
export async function referenceUi(app: FastifyInstance): Promise<void> {
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, roles: 'public' };
    });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { roles: 'public' } }, async () =>
    app.swagger(),
  );
}

/**
 * The platform's whole API reference served alone, for the ingress of the distributed mode: there each
 * service's own `/docs` shows its routes only, so the ingress sends `/docs` and `/openapi.json` here, and
 * "try it" on this page reaches every service through the same ingress. It holds no data and no secret
 * and answers `/health/live` and `/health/ready` like a service.
 */
export async function referenceApp(
  document: Record<string, unknown>,
  o: { logLevel?: string; logStream?: LogDestination; trustProxy?: boolean | string } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(o.logLevel ?? 'info', o.logStream),
    genReqId: correlationId,
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: o.trustProxy ?? false,
    // nothing here is worth waiting for at a stop: a browser still loading the UI loads it again
    forceCloseConnections: true,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(() => {
    throw new ProblemError(404, 'NOT_FOUND', 'Not found', 'the reference serves /docs and /openapi.json');
  });
  securityHeaders(app);
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await referenceUi(app);
  for (const probe of ['/health/live', '/health/ready'])
    app.get(probe, { schema: { hide: true } }, async () => ({ status: 'ready' }));
  return app;
}
