import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as checkedSerializer } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';

/**
 * Responses written by their schema rather than checked against it: each response's zod schema, as the
 * JSON Schema the OpenAPI document shows, compiled by fast-json-stringify (Fastify's own serializer)
 * when the route first answers with that status (a platform has some 800 route responses: compiling
 * them all at start would cost seconds). Only the properties a schema declares are written, so nothing
 * a handler holds beyond the contract can reach a response, and a required property missing fails the
 * response (500). Unlike a zod parse of every response, formats and enumerations are not checked again
 * on the way out: handlers build responses from typed values (`z.infer` of the same schemas), and the
 * tests check responses against the document. A schema the compiler cannot take is checked by zod.
 */
/**
 * The schema without `additionalProperties: false`: the writer never writes an undeclared property
 * either way, but it picks a union's branch by validating the value, and a value carrying a property
 * more (a field an older event stored, say) would match no branch and fail the response, where zod
 * would strip it.
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

export const serializerCompiler: FastifySerializerCompiler<ZodType> = (route) => {
  let stringify: ((data: unknown) => string) | undefined;
  const compile = () => {
    try {
      const schema = z.toJSONSchema(route.schema, {
        io: 'output',
        target: 'draft-07',
        unrepresentable: 'any',
      });
      return fastJson(tolerant(schema) as never);
    } catch {
      return checkedSerializer(route);
    }
  };
  return (data) => {
    stringify ??= compile();
    return stringify(data);
  };
};
