import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializer } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';

/** One validator compiler for every route: each schema is compiled once, on its route's first answer. */
const ajv = addFormats.default(new Ajv({ strict: false, allErrors: false }));

/**
 * The schema without `additionalProperties: false`: neither the check nor the writer lets an undeclared
 * property through either way (the writer knows no other key), but both pick a union's branch by
 * validating the value, and a value carrying a property more (a field an older event stored, say)
 * would match no branch and fail the response, where zod strips it.
 */
function tolerant(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(tolerant);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
      .map(([key, value]) => [key, tolerant(value)]),
  );
}

/** A response that does not match its schema: answered 500, naming where it failed, never a value. */
class ResponseMismatch extends Error {}

/**
 * Responses checked and written by their schema (ADR 18): each response's zod schema, as the JSON Schema
 * the OpenAPI document shows, compiled into an Ajv check (types, nulls, required properties, formats,
 * enumerations, constants) and a fast-json-stringify writer (Fastify's own serializer), once per route
 * and status when it first answers (compiling some 800 of them at start would cost seconds). A response
 * that fails the check is a 500; the writer writes only the properties the schema declares. A schema
 * that JSON Schema cannot express (a transform, a custom type) keeps zod's parse.
 */
export const serializerCompiler: FastifySerializerCompiler<ZodType> = (route) => {
  // not a zod schema: refused at start by the zod serializer, as before
  if (typeof (route.schema as { _zod?: unknown })._zod !== 'object') return zodSerializer(route);
  let write: ((data: unknown) => string) | undefined;
  const compile = (): ((data: unknown) => string) => {
    let schema: unknown;
    try {
      schema = tolerant(
        z.toJSONSchema(route.schema, { io: 'output', target: 'draft-07', unrepresentable: 'throw' }),
      );
    } catch {
      return zodSerializer(route);
    }
    const check = ajv.compile(schema as object);
    const stringify = fastJson(schema as never);
    return (data) => {
      if (!check(data)) {
        const e = check.errors?.[0];
        throw new ResponseMismatch(
          `${route.method} ${route.url} ${route.httpStatus}: ${e?.instancePath || '/'} ${e?.message ?? 'does not match'}`,
        );
      }
      return stringify(data);
    };
  };
  return (data) => {
    write ??= compile();
    return write(data);
  };
};
