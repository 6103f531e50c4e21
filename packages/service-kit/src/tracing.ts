import type { EventHandler } from '@casework/messaging';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { routeTemplate } from './routeTemplate.js';

/**
 * Traces (OpenTelemetry) through the edges the platform owns: an HTTP request is a server span, an event
 * carries the trace context of the command that recorded it (`traceparent`, the CloudEvents distributed
 * tracing extension) and a consumer handles it in a span of that trace, so one trace follows a command
 * into the other services. The SDK and its exporter are the host's (`startTracing`); without one every
 * call here does nothing.
 */
export const tracer = () => trace.getTracer('casework');

/**
 * The active trace context as the CloudEvents `traceparent` attribute, or nothing outside a trace. Its
 * `tracestate` is not kept: vendor state a caller sent would stay in the append-only log for good.
 */
export function traceContextFields(): { traceparent?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { traceparent: carrier.traceparent } : {};
}

declare module 'fastify' {
  interface FastifyRequest {
    span?: Span;
  }
}

const routeOf = (url: string | undefined) => routeTemplate(url) ?? '(no route)';

/**
 * A server span per request, a child of the caller's `traceparent` if it sent one, named by its method
 * and route template; everything the request does runs in its context. The callback form of the hook
 * is what carries the context into the handlers that follow.
 */
export function traceRequests(app: FastifyInstance, serviceOfRoute: (url: string) => string | undefined) {
  app.addHook('onRequest', (request, _reply, done) => {
    // probes and scrapes, every few seconds, are not traced
    const url = request.routeOptions.url ?? '';
    if (url === '/metrics' || url.startsWith('/health/')) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = routeOf(request.routeOptions.url);
    const service = serviceOfRoute(request.routeOptions.url ?? '');
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'casework.correlation_id': request.id,
          ...(service ? { 'casework.service': service } : {}),
        },
      },
      parent,
    );
    request.span = span;
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.span;
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  // a caller gone before its answer: the span ends there, marked so
  app.addHook('onRequestAbort', async (request) => {
    request.span?.setAttribute('casework.aborted', true);
    request.span?.end();
  });
}

/**
 * A consumer's handler that handles each event in a consumer span of the trace the event carries (its
 * `traceparent`): the command in one service and its effect in another are one trace.
 */
export function tracedHandler(service: string, consumer: string, handle: EventHandler): EventHandler {
  return (event, tx) => {
    const parent = propagation.extract(ROOT_CONTEXT, event.metadata);
    return tracer().startActiveSpan(
      `${consumer} process ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'casework.service': service,
          'casework.consumer': consumer,
          'messaging.message.id': event.eventId,
          'casework.event_type': event.type,
          'casework.event_source': event.source,
        },
      },
      parent,
      async (span) => {
        try {
          return await handle(event, tx);
        } catch (e) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw e;
        } finally {
          span.end();
        }
      },
    );
  };
}
