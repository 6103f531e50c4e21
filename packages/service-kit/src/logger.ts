import type { FastifyServerOptions } from 'fastify';

/** Paths pino must never print: credentials and personal data, wherever they appear in a log object. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.identifier',
  '*.givenName',
  '*.familyName',
  '*.name',
  '*.address',
  '*.egn',
  '*.lnch',
];

export function loggerOptions(
  level: string,
  destination?: NodeJS.WritableStream,
): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
    serializers: {
      // the route template, never the concrete URL: a query string may carry a search term
      req: (req: { method: string; routeOptions?: { url?: string }; url: string; id: string }) => ({
        method: req.method,
        route: req.routeOptions?.url ?? req.url.split('?')[0],
        id: req.id,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
