import { DomainError } from '@casework/contracts';
import { ConcurrencyError } from '@casework/eventstore';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ProblemError, problemType } from './problems.js';

type FieldError = { field: string; message: string };

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
    .send({ type: problemType(code), title, status, instance: request.url.split('?')[0], code, ...rest });
}

/**
 * The one place where failures become RFC 9457 problem details. Client errors say what was wrong and
 * name each field; server errors say nothing beyond a correlation id, and are logged without stack or
 * payload (messages from our own code never carry personal data).
 */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
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
    const conflict = error.kind === 'conflict';
    return send(
      reply,
      request,
      conflict ? 409 : 422,
      error.code,
      conflict ? 'Conflict' : 'Business rule violated',
      {
        detail: error.message,
        ...error.extra,
      },
    );
  }
  if (error instanceof ConcurrencyError) {
    // with If-Match the client named the version it saw: a mismatch is a failed precondition
    if (request.headers['if-match']) {
      return send(reply, request, 412, 'PRECONDITION_FAILED', 'Precondition failed', {
        detail: 'the resource changed since the version given in If-Match',
      });
    }
    return send(reply, request, 409, 'STALE_VERSION', 'Conflict', {
      detail: 'the resource was changed by another request; read it again and retry',
    });
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const code = (error as FastifyError).code ?? 'BAD_REQUEST';
    const field =
      code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'body' : undefined;
    return send(reply, request, status, code.replace(/^FST_ERR_/, ''), 'Bad request', {
      detail: error.message,
      ...(field ? { errors: [{ field, message: error.message }] } : {}),
    });
  }
  request.log.error(
    { err: { type: error.name, message: error.message, code: (error as FastifyError).code } },
    'request failed',
  );
  return send(reply, request, 500, 'INTERNAL', 'Internal error', {
    detail: `something went wrong on our side; quote correlation id ${request.id}`,
  });
}
