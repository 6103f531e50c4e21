import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';

/** Where a service's log lines go: any stream pino writes to (a Writable, `pino.destination()`). */
export type LogDestination = DestinationStream;

/** Paths pino's own redaction removes (credentials in the request headers, should a raw req be logged). */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

/**
 * Keys whose values are never printed, at any depth of a log object: credentials and personal data
 * (identifiers, names, addresses, contact details). Compared without case, `-` or `_`.
 */
export const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'setCookie',
  'identifier',
  'identifiers',
  'egn',
  'lnch',
  'personalIdentifier',
  'givenName',
  'familyName',
  'name',
  'names',
  'fullName',
  'address',
  'addresses',
  'line',
  'street',
  'phone',
  'email',
  'url',
  'query',
  'body',
  'password',
  'secret',
  'token',
];

const normal = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const SENSITIVE = new Set(SENSITIVE_KEYS.map(normal));
const CENSOR = '[redacted]';
/** Ten digits in a row: the shape of an ЕГН or ЛНЧ, masked in any logged string. */
const TEN_DIGITS = /(?<!\d)\d{10}(?!\d)/g;

const maskText = (s: string) => (TEN_DIGITS.test(s) ? s.replace(TEN_DIGITS, CENSOR) : s);
/** Keys that hold an error message as text: PostgreSQL quotes the offending value in it (`"…"`). */
const ERROR_KEYS = new Set(['err', 'error', 'reason']);
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/** One entry of a log object: censored by its key, an error text without its quoted values. */
function entry(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  const k = normal(key);
  if (SENSITIVE.has(k)) return CENSOR;
  if (ERROR_KEYS.has(k) && typeof value === 'string') return maskText(value.replace(QUOTED, '"…"'));
  return censor(value, depth, seen);
}

/** A copy of a log object with sensitive keys censored and identifier-shaped digits masked, at any depth. */
export function censor(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 32 || seen.has(value)) return CENSOR;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => censor(v, depth + 1, seen));
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    // an error's message may quote input (a database error does): its type, code and frames only
    const frames = (value.stack ?? '').split('\n').filter((l) => l.startsWith('    at '));
    return {
      type: value.name,
      ...('code' in value ? { code: (value as { code: unknown }).code } : {}),
      ...(frames.length > 0 ? { stack: frames.join('\n') } : {}),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = entry(k, v, depth + 1, seen);
  return out;
}

/** The request as logged: method, route template and id; never the concrete URL, which may hold an id. */
export const requestSerializer = (req: { method: string; routeOptions?: { url?: string }; id: string }) => ({
  method: req.method,
  route: req.routeOptions?.url ?? '(no route)',
  id: req.id,
});

export function loggerOptions(level: string, destination?: LogDestination): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT, censor: CENSOR },
    ...(destination ? { stream: destination } : {}),
    formatters: {
      // runs on every log object before it is written (and before the serializers, whose output for
      // req and res is already safe): the censor walks the rest to any depth
      log: (object) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(object)) {
          out[k] = k === 'req' || k === 'res' ? v : entry(k, v, 0, new WeakSet());
        }
        return out;
      },
    },
    hooks: {
      // the message strings too: an identifier-shaped run of digits never reaches the log
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? maskText(a) : a)) as Parameters<typeof method>,
        );
      },
    },
    serializers: {
      req: requestSerializer,
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
}
