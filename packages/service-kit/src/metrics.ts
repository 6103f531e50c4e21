import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HostedService } from './hosting.js';

/**
 * Prometheus metrics on `/metrics` (opt-in: the platform's METRICS_ENABLED): HTTP latency by method,
 * route template and status, relay and consumer lag, redeliveries and dead letters. Called on the root
 * instance before any route, so its hook measures every route; `hostedOf` gives the services once hosted.
 */
export function serveMetrics(app: FastifyInstance, hostedOf: () => readonly HostedService[]): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'casework_' });
  const http = new Histogram({
    name: 'casework_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'casework_relay_lag_events',
    help: 'Committed events not yet published to the transport',
    labelNames: ['service'],
    registers: [registry],
    async collect() {
      for (const h of hostedOf())
        if (h.relay) this.set({ service: h.module.name }, await h.relay.lag().catch(() => -1));
    },
  });
  new Gauge({
    name: 'casework_consumer_lag_messages',
    help: 'Messages waiting for a consumer',
    labelNames: ['service', 'consumer'],
    registers: [registry],
    async collect() {
      for (const h of hostedOf())
        for (const c of h.consumers)
          this.set({ service: h.module.name, consumer: c.name }, await c.consumer.lag().catch(() => -1));
    },
  });
  for (const [name, help, field] of [
    ['casework_consumer_processed_total', 'Events applied by a consumer', 'processed'],
    ['casework_consumer_duplicates_total', 'Duplicate deliveries skipped by the inbox', 'duplicates'],
    ['casework_consumer_redeliveries_total', 'Deliveries that failed and were retried', 'retried'],
    ['casework_consumer_dead_letters_total', 'Messages moved to dead letters', 'deadLettered'],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['service', 'consumer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const h of hostedOf())
          for (const c of h.consumers)
            this.inc({ service: h.module.name, consumer: c.name }, c.consumer.stats()[field]);
      },
    });
  }

  app.addHook('onResponse', async (request, reply) => {
    http.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { config: { roles: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
