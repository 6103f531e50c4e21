import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializer } from 'fastify-type-provider-zod';
import { z } from 'zod';

type Serialize = (data: unknown) => string;
type SerializerCompiler = Parameters<typeof zodSerializer>[0];

/** One compiled serializer per response schema: the problem schemas are shared by every route. */
const compiled = new WeakMap<z.ZodType, Serialize>();

/**
 * An answer's JSON written from its zod schema compiled to a JSON Schema writer (fast-json-stringify),
 * as Fastify does for JSON Schemas, instead of validating the answer with zod and then stringifying it:
 * a page of twenty placements took several times longer to check than to write (issue 19). The writer
 * emits the schema's properties only, as zod's encode did (a field the schema does not name never
 * leaves the service), in the schema's order; what it does not check is the answer's refinements, which
 * the answer's own code and its tests hold. A schema JSON Schema cannot say (a transform, a custom
 * type) keeps zod's serializer. `responseSerializer.unit.test.ts` holds the two to the same output for
 * every example of the API's documents.
 */
export function responseSerializer(route: SerializerCompiler): Serialize {
  const schema = zodSchemaOf(route.schema);
  if (!schema) return zodSerializer(route);
  let serialize = compiled.get(schema);
  if (!serialize) {
    serialize = writerFor(schema) ?? zodSerializer(route);
    compiled.set(schema, serialize);
  }
  return serialize;
}

/** The fast writer of a zod schema, or undefined where JSON Schema cannot express it. */
export function writerFor(schema: z.ZodType): Serialize | undefined {
  try {
    const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'throw', target: 'draft-7' });
    return fastJson(json as Parameters<typeof fastJson>[0]);
  } catch {
    return undefined;
  }
}

const zodSchemaOf = (maybe: unknown): z.ZodType | undefined =>
  maybe instanceof z.ZodType
    ? maybe
    : maybe && typeof maybe === 'object' && 'properties' in maybe && maybe.properties instanceof z.ZodType
      ? maybe.properties
      : undefined;
