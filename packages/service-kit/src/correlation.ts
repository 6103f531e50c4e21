import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Correlation id of a request: x-correlation-id, else the W3C traceparent's trace id, else new. */
export function correlationId(req: IncomingMessage): string {
  const given = req.headers['x-correlation-id'];
  if (typeof given === 'string' && SAFE.test(given)) return given;
  const tp = req.headers.traceparent;
  if (typeof tp === 'string') {
    const traceId = tp.split('-')[1];
    if (traceId && /^[0-9a-f]{32}$/.test(traceId)) return traceId;
  }
  return randomUUID();
}
