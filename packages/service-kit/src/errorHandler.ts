import { STATUS_CODES } from 'node:http';
import { DomainError } from '@casework/contracts';
import { ConcurrencyError } from '@casework/eventstore';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ProblemError, problemType } from './problems.js';
import { routeTemplate } from './routeTemplate.js';

type FieldError = { field: string; message: string };

const titleOf = (status: number) =>
  status === 400 ? 'Bad request' : (STATUS_CODES[status] ?? 'Bad request');

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  title: string,
  rest: object,
) {
  return reply
    .status(status)
    .type('application/problem+json')
    .send({ type: problemType(code), title, status, instance: instanceOf(request), code, ...rest });
}

/**
 * The occurrence: the route's template (`/v1/clients/{clientId}`), never the concrete path, which may
 * hold an identifier; a request that matched no route is named by its correlation id.
 */
export const instanceOf = (request: FastifyRequest): string => {
  return routeTemplate(request.routeOptions?.url) ?? `urn:casework:request:${request.id}`;
};

/** SQLSTATE codes of a value the database cannot take (from the request): a client error, 400. */
const BAD_VALUE_SQLSTATES: Record<string, string> = {
  '22P02': 'a value has the wrong form for its type',
  '22008': 'a date or time is out of range',
  '22007': 'a date or time has the wrong form',
  '22003': 'a number is out of range',
  '22P05': 'a text holds a character the database cannot store',
  '22021': 'a text holds a character the database cannot store',
  '22001': 'a text is too long',
  '54000': 'a value is too large',
};

/** The status and title each kind of domain refusal is answered with. */
const DOMAIN_ANSWERS: Record<DomainError['kind'], [number, string]> = {
  conflict: [409, 'Conflict'],
  rule: [422, 'Business rule violated'],
  missing: [404, 'Not found'],
  stale: [412, 'Precondition failed'],
};

/** A PostgreSQL error (node-postgres or PGlite): a five-character SQLSTATE beside its message. */
export function sqlStateOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; severity?: unknown; routine?: unknown; file?: unknown };
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return undefined;
  return 'severity' in (e as object) || 'routine' in (e as object) || 'file' in (e as object)
    ? e.code
    : undefined;
}

/**
 * The one place where failures become RFC 9457 problem details. Client errors say what was wrong and
 * name each field; server errors say nothing beyond a correlation id, and are logged without stack or
 * payload (messages from our own code never carry personal data).
 */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError).validationContext ?? 'body';
    const where = context === 'querystring' ? 'query' : context;
    const errors: FieldError[] = error.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return { field: path ? `${where}.${path}` : where, message: v.message ?? 'invalid' };
    });
    return send(reply, request, 400, 'VALIDATION', 'Invalid request', {
      detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    });
  }
  if (error instanceof ProblemError) {
    return send(reply, request, error.status, error.code, error.title, {
      ...(error.detail ? { detail: error.detail } : {}),
      ...error.extra,
    });
  }
  if (error instanceof DomainError) {
    const [status, title] = DOMAIN_ANSWERS[error.kind];
    return send(reply, request, status, error.code, title, { detail: error.message, ...error.extra });
  }
  if (error instanceof ConcurrencyError) {
    // with If-Match the client named the version it saw: a mismatch is a failed precondition (not a
    // refusal for order alone, at the version named)
    if (request.headers['if-match'] && !error.younger) {
      return send(reply, request, 412, 'PRECONDITION_FAILED', 'Precondition failed', {
        detail: 'the resource changed since the version given in If-Match',
      });
    }
    return send(reply, request, 409, 'STALE_VERSION', 'Conflict', {
      detail: 'the resource was changed by another request; read it again and retry',
    });
  }
  // a database error's message may quote the request (`invalid input syntax for type uuid: "…"`): it
  // never reaches a log or an answer; its SQLSTATE does, and a value the database refuses is a 400
  const sqlState = sqlStateOf(error);
  if (sqlState && BAD_VALUE_SQLSTATES[sqlState]) {
    request.log.warn({ sqlState }, 'the database refused a value from the request');
    return send(reply, request, 400, 'INVALID_VALUE', 'Invalid request', {
      detail: `${BAD_VALUE_SQLSTATES[sqlState]} (SQLSTATE ${sqlState})`,
    });
  }
  const status = (error as FastifyError).statusCode;
  if (!sqlState && status && status >= 400 && status < 500) {
    const code = (error as FastifyError).code ?? 'BAD_REQUEST';
    const json = code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
    // the JSON parser's message quotes the body: say what is wrong without repeating it
    const message =
      code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'the body is not valid JSON' : (error as Error).message;
    return send(reply, request, status, code.replace(/^FST_ERR_/, ''), titleOf(status), {
      detail: message,
      ...(json ? { errors: [{ field: 'body', message }] } : {}),
    });
  }
  // the error itself, never its message: the logger keeps an error's type, code and stack frames only
  request.log.error(
    sqlState ? { err: { type: 'DatabaseError', sqlState } } : { err: error },
    'request failed',
  );
  return send(reply, request, 500, 'INTERNAL', 'Internal error', {
    detail: `something went wrong on our side; quote correlation id ${request.id}`,
  });
}
