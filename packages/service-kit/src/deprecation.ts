import type { LocalDate } from '@casework/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * A route or a field on its way out (docs/versioning.md): deprecated since a day, answered or sent until
 * its sunset, with where to read what replaces it.
 */
export type Deprecation = { since: LocalDate; sunset: LocalDate; link?: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On its way out: marked in the document, answered with Deprecation and Sunset headers. */
    deprecated?: Deprecation;
    /** Fields of the route's answers are on their way out (found in its response schemas, not set by hand). */
    deprecatedFields?: Deprecation;
  }
}

/** The document's extension that carries a deprecated field's dates, beside OpenAPI's `deprecated: true`. */
const EXTENSION = 'x-deprecation';

const midnightUtc = (day: LocalDate) => new Date(`${day}T00:00:00Z`);

/**
 * A field of an answer on its way out: the document marks it `deprecated: true` with its dates, and every
 * successful answer of a route that can send it carries `Deprecation`, `Sunset` and `Link` as a deprecated
 * route's do (the earliest dates when several of its fields are deprecated).
 */
export function deprecatedField<T extends z.ZodType>(schema: T, d: Deprecation): T {
  const meta = schema.meta() ?? {};
  const note = `Deprecated since ${d.since}; sent until ${d.sunset}.`;
  return schema.meta({
    ...meta,
    deprecated: true,
    description: [meta.description, note].filter(Boolean).join(' '),
    [EXTENSION]: d,
  }) as T;
}

/** What each response schema holds, found once: most routes share their error answers' schema. */
const foundIn = new WeakMap<z.ZodType, Deprecation[]>();

/** The deprecations of the fields a response schema holds, found in its JSON Schema. */
function fieldDeprecations(schema: unknown): Deprecation[] {
  if (!(schema instanceof z.ZodType)) return [];
  const known = foundIn.get(schema);
  if (known) return known;
  const found: Deprecation[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) for (const n of node) walk(n);
    else if (node && typeof node === 'object') {
      const d = (node as Record<string, unknown>)[EXTENSION];
      if (d) found.push(d as Deprecation);
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));
  foundIn.set(schema, found);
  return found;
}

/** One announcement for several deprecations: the earliest since and sunset, the first link. */
function earliest(all: readonly Deprecation[]): Deprecation | undefined {
  if (all.length === 0) return undefined;
  const link = all.find((d) => d.link)?.link;
  return {
    since: all.map((d) => d.since).sort()[0]!,
    sunset: all.map((d) => d.sunset).sort()[0]!,
    ...(link ? { link } : {}),
  };
}

/**
 * A route whose config says `deprecated` is marked so in the OpenAPI document and answers, every time,
 * with `Deprecation` (RFC 9745: when, as `@<epoch seconds>`), `Sunset` (RFC 8594: the HTTP date it
 * stops answering) and a `Link` to the notice, so an integrator's client can warn long before the day.
 * A route whose answers hold a deprecated field (`deprecatedField`) sends the same on its successful
 * answers, which are the ones that carry the field.
 */
export function deprecations(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as { description?: string; response?: Record<string, unknown> };
    const fields = earliest(Object.values(schema.response ?? {}).flatMap(fieldDeprecations));
    if (fields) route.config = { ...route.config, deprecatedFields: fields };
    const d = route.config?.deprecated;
    if (!d) return;
    route.schema = {
      ...schema,
      deprecated: true,
      description: [schema.description, `Deprecated since ${d.since}; answers until ${d.sunset}.`]
        .filter(Boolean)
        .join(' '),
    } as typeof route.schema;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const config = request.routeOptions.config;
    const d = config.deprecated ?? (reply.statusCode < 300 ? config.deprecatedFields : undefined);
    if (d) {
      reply.header('deprecation', `@${midnightUtc(d.since).getTime() / 1000}`);
      reply.header('sunset', midnightUtc(d.sunset).toUTCString());
      if (d.link) reply.header('link', `<${d.link}>; rel="deprecation"; type="text/html"`);
    }
    return payload;
  });
}
