import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorHandler } from './errorHandler.js';
import { withSecurityHeaders } from './headers.js';
import { ProblemError, problemType } from './problems.js';

/** C0 control characters other than tab, LF and CR (NUL included): no text field of ours holds them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
/** A UTF-16 surrogate without its pair: not a character, and PostgreSQL refuses it (22P05). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Longest request target (path and query) answered; longer is 414. Node's parser stops at 16 KiB. */
export const MAX_URL_LENGTH = 8192;

export type FieldError = { field: string; message: string };

function problemOf(value: string): string | undefined {
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired surrogates (not valid Unicode)';
  return undefined;
}

/**
 * Every string of a parsed input (values and keys, at any depth), each refused one named by its path:
 * `body.household.0.givenName`. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function badStrings(root: unknown, prefix: string, max = 10): FieldError[] {
  const found: FieldError[] = [];
  const stack: [unknown, string][] = [[root, prefix]];
  while (stack.length > 0 && found.length < max) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      const message = problemOf(value);
      if (message) found.push({ field: path, message });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}.${i}`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const message = problemOf(k);
        // the key itself is not repeated: it is what cannot be printed
        if (message) found.push({ field: `${path}.(a key)`, message });
        else stack.push([v, `${path}.${k}`]);
      }
    }
  }
  return found;
}

export function inputProblem(request: FastifyRequest): ProblemError | undefined {
  const errors = [
    ...badStrings(request.params, 'params'),
    ...badStrings(request.query, 'query'),
    ...badStrings(request.headers, 'headers'),
    ...badStrings(request.body, 'body'),
  ];
  if (errors.length === 0) return undefined;
  return new ProblemError(
    400,
    'VALIDATION',
    'Invalid request',
    errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    { errors },
  );
}

/**
 * The checks every route gets before its own validation: a request target no longer than
 * MAX_URL_LENGTH (414), and no control character or unpaired surrogate in any string of the path,
 * query, headers or body (400 naming the field). They reach the database otherwise, where NUL and
 * lone surrogates are errors, not values.
 */
export function inputChecks(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.url.length > MAX_URL_LENGTH) {
      throw new ProblemError(
        414,
        'URI_TOO_LONG',
        'URI too long',
        `the request target is longer than ${MAX_URL_LENGTH} characters; send search criteria in a body`,
      );
    }
  });
  app.addHook('preValidation', async (request) => {
    const problem = inputProblem(request);
    if (problem) throw problem;
  });
}

/**
 * What the router refuses before any route is found: a path segment that is not valid percent-encoded
 * UTF-8 (a lone surrogate, say) is a 400, one over the router's length limit a 414; both as
 * problem+json through the error handler, and never quoting the path (it may hold an identifier).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ProblemError(
          414,
          'URI_TOO_LONG',
          'URI too long',
          'a path segment is longer than the server accepts',
        )
      : error.code === 'FST_ERR_BAD_URL'
        ? new ProblemError(400, 'VALIDATION', 'Invalid request', 'path: not a valid URL component', {
            errors: [{ field: 'path', message: 'not valid percent-encoded UTF-8' }],
          })
        : error;
  // no onSend hook runs for an answer given before routing
  withSecurityHeaders(request, reply);
  return errorHandler(problem, request, reply);
}

/**
 * What the HTTP parser refuses before Fastify sees a request (headers over 16 KiB, a malformed request
 * line, a NUL in a header) is answered as problem+json too, not with the parser's bare text.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code =
    status === 431 ? 'HEADERS_TOO_LARGE' : status === 408 ? 'REQUEST_TIMEOUT' : 'MALFORMED_REQUEST';
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({
    type: problemType(code),
    title,
    status,
    code,
    detail:
      status === 431
        ? 'the request line and headers are larger than the server accepts (16 KiB)'
        : status === 408
          ? 'the request did not arrive in time'
          : 'the request could not be parsed as HTTP',
  });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
