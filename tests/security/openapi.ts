import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** A JSON Schema as the OpenAPI 3.1 document holds it. */
export type Schema = Record<string, unknown>;

export type Parameter = { in: 'path' | 'query' | 'header'; name: string; required: boolean; schema: Schema };

/** One operation of the published document, with what it takes and every answer it declares. */
export type Operation = {
  key: string;
  method: 'GET' | 'POST' | 'PUT';
  /** The path template, `{id}` style. */
  path: string;
  params: Parameter[];
  body?: { schema: Schema; examples: unknown[]; required: boolean };
  /** Declared answers: status → media type → schema (undefined: no body). */
  responses: Record<string, Record<string, Schema | undefined>>;
  /** Whether the operation needs no token. */
  public: boolean;
  /** The roles the route admits (`x-roles`); absent: any authenticated caller. */
  roles?: readonly string[];
};

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, Schema> };
  security?: unknown[];
};

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** `#/components/...` pointers of the document, made absolute so one Ajv instance resolves them all. */
const DOC_ID = 'https://casework.bg/openapi.json';
function absolute<T>(value: T): T {
  if (Array.isArray(value)) return value.map(absolute) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${DOC_ID}${v}` : absolute(v),
      ]),
    ) as T;
  }
  return value;
}

/** Resolves a `$ref` into the document's components (one level: what a generator needs to start from). */
export function resolver(document: unknown) {
  const doc = document as Doc;
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    const ref = schema?.$ref;
    if (typeof ref !== 'string') return schema;
    const name = ref.split('/').pop() ?? '';
    return resolve(doc.components?.schemas?.[name]);
  };
  return resolve;
}

/** Every operation of the document. */
export function operationsOf(document: unknown): Operation[] {
  const doc = document as Doc;
  const resolve = resolver(doc);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      const o = op as {
        parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
        requestBody?: {
          required?: boolean;
          content?: Record<string, { schema?: Schema; examples?: unknown }>;
        };
        responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
        security?: unknown[];
        'x-roles'?: string[];
      };
      const json = o.requestBody?.content?.['application/json'];
      const bodySchema = resolve(json?.schema);
      const examples = [
        ...((bodySchema?.examples as unknown[] | undefined) ?? []),
        ...(bodySchema?.example !== undefined ? [bodySchema.example] : []),
      ];
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation['method'],
        path,
        params: (o.parameters ?? []).map((p) => ({
          in: p.in as Parameter['in'],
          name: p.name,
          required: p.required === true,
          schema: p.schema ?? {},
        })),
        ...(bodySchema
          ? { body: { schema: bodySchema, examples, required: o.requestBody?.required === true } }
          : {}),
        responses: Object.fromEntries(
          Object.entries(o.responses ?? {}).map(([status, r]) => [
            status,
            Object.fromEntries(Object.entries(r.content ?? {}).map(([media, m]) => [media, m.schema])),
          ]),
        ),
        public: Array.isArray(o.security) && o.security.length === 0,
        ...(o['x-roles'] ? { roles: o['x-roles'] } : {}),
      });
    }
  }
  return ops;
}

/** Validates answers against the schemas the document declares (JSON Schema 2020-12, with formats). */
export function responseValidator(document: unknown): (schema: Schema) => ValidateFunction {
  const doc = document as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: DOC_ID, components: absolute(doc.components ?? {}) });
  const compiled = new Map<Schema, ValidateFunction>();
  return (schema) => {
    let v = compiled.get(schema);
    if (!v) {
      v = ajv.compile(absolute(schema));
      compiled.set(schema, v);
    }
    return v;
  };
}

/** The Problem schema's declared status → is the error a problem document? */
export const isProblemSchema = (schema: Schema | undefined) =>
  typeof schema?.$ref === 'string' && /\/Problem$/.test(schema.$ref);
