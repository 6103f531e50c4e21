import type { LocalDate } from '@casework/contracts';
import type { FastifyInstance } from 'fastify';

/**
 * A route on its way out (docs/versioning.md): deprecated since a day, answering until its sunset, with
 * where to read what replaces it.
 */
export type Deprecation = { since: LocalDate; sunset: LocalDate; link?: string };

const midnightUtc = (day: LocalDate) => new Date(`${day}T00:00:00Z`);

/**
 * A route whose config says `deprecated` is marked so in the OpenAPI document and answers, every time,
 * with `Deprecation` (RFC 9745: when, as `@<epoch seconds>`), `Sunset` (RFC 8594: the HTTP date it
 * stops answering) and a `Link` to the notice, so an integrator's client can warn long before the day.
 */
export function deprecations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const d = route.config?.deprecated;
    if (!d) return;
    const schema = (route.schema ?? {}) as { description?: string };
    route.schema = {
      ...schema,
      deprecated: true,
      description: [schema.description, `Deprecated since ${d.since}; answers until ${d.sunset}.`]
        .filter(Boolean)
        .join(' '),
    } as typeof route.schema;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const d = request.routeOptions.config.deprecated;
    if (d) {
      reply.header('deprecation', `@${midnightUtc(d.since).getTime() / 1000}`);
      reply.header('sunset', midnightUtc(d.sunset).toUTCString());
      if (d.link) reply.header('link', `<${d.link}>; rel="deprecation"; type="text/html"`);
    }
    return payload;
  });
}
