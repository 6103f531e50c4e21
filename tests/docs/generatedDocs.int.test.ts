import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocuments } from '@casework/platform/docs';
import t from 'tap';

const root = join(import.meta.dirname, '..', '..');

t.test(
  'the committed OpenAPI, AsyncAPI, event catalogue and ingress match the code (else run pnpm gen)',
  async (t) => {
    for (const [path, expected] of Object.entries(await generatedDocuments())) {
      let committed = '';
      try {
        committed = readFileSync(join(root, path), 'utf8');
      } catch {}
      t.ok(committed === expected, `${path} is current`);
    }
  },
);

t.test('every route documents its responses and every published event its payload', async (t) => {
  const docs = await generatedDocuments();
  const openapi = JSON.parse(docs['docs/openapi/casework.json']!);
  for (const [path, ops] of Object.entries(
    openapi.paths as Record<string, Record<string, { responses?: object }>>,
  )) {
    for (const [method, op] of Object.entries(ops))
      t.ok(op.responses, `${method.toUpperCase()} ${path} has responses`);
  }
  const asyncapi = JSON.parse(docs['docs/asyncapi/casework.json']!);
  t.match(asyncapi.components.messages['intake.ClientRegistered'].payload, {
    required: ['clientId', 'birthDate', 'sex', 'municipality', 'identifierKind', 'registeredOn'],
  });
  t.notMatch(
    JSON.stringify(asyncapi.channels),
    /PersonalDetails|IdentifierClaimed/,
    'internal events are not published',
  );
});

t.test('every operation shows an example of its body and of its success responses', async (t) => {
  const openapi = JSON.parse((await generatedDocuments())['docs/openapi/casework.json']!);
  const schemas = openapi.components.schemas as Record<string, { example?: unknown; examples?: unknown }>;
  const exemplified = (s?: { $ref?: string; example?: unknown; examples?: unknown }) => {
    const target = s?.$ref ? schemas[s.$ref.split('/').pop()!] : s;
    return target?.example !== undefined || target?.examples !== undefined;
  };
  type Op = {
    requestBody?: { content: Record<string, { schema: object }> };
    responses: Record<string, { content?: Record<string, { schema: object }> }>;
  };
  for (const [path, ops] of Object.entries(openapi.paths as Record<string, Record<string, Op>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody?.content['application/json']?.schema;
      if (body) t.ok(exemplified(body), `${method.toUpperCase()} ${path}: body example`);
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => s.startsWith('2'))) {
        const schema = response.content?.['application/json']?.schema;
        if (schema) t.ok(exemplified(schema), `${method.toUpperCase()} ${path}: ${status} example`);
      }
    }
  }
});

t.test(
  'the headers a command reads are declared: Idempotency-Key on every command, If-Match where 412 is',
  async (t) => {
    const openapi = JSON.parse((await generatedDocuments())['docs/openapi/casework.json']!);
    type Op = {
      parameters?: { in: string; name: string }[];
      responses: Record<string, unknown>;
      security?: unknown[];
    };
    const headers = (op: Op) => (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
    let commands = 0;
    for (const [path, ops] of Object.entries(openapi.paths as Record<string, Record<string, Op>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        if (method === 'post' && !path.startsWith('/v1/admin/') && !isPublic) {
          commands++;
          t.ok(headers(op).includes('idempotency-key'), `POST ${path}: Idempotency-Key`);
        }
        // a public command has no caller to keep a key under: it promises none
        if (isPublic) t.notOk(headers(op).includes('idempotency-key'), `${path}: no Idempotency-Key`);
        if (op.responses['412'])
          t.ok(headers(op).includes('if-match'), `${method.toUpperCase()} ${path}: If-Match`);
        else
          t.notOk(
            headers(op).includes('if-match'),
            `${method.toUpperCase()} ${path}: no If-Match without 412`,
          );
      }
    }
    t.ok(commands > 60, `${commands} commands`);
  },
);

t.test('every operation has a stable id a generator can name a method by, and a resource tag', async (t) => {
  const openapi = JSON.parse((await generatedDocuments())['docs/openapi/casework.json']!);
  const ops = Object.entries(
    openapi.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>,
  ).flatMap(([path, o]) => Object.entries(o).map(([method, op]) => ({ path, method, ...op })));
  const ids = ops.map((o) => o.operationId);
  t.same(
    ops.filter((o) => !/^[a-z][A-Za-z0-9]*$/.test(o.operationId ?? '')).map((o) => `${o.method} ${o.path}`),
    [],
    'an identifier each',
  );
  t.equal(new Set(ids).size, ids.length, 'no two operations share one');
  const byId = new Map(ops.map((o) => [o.operationId, o]));
  t.match(byId.get('getClientsByClientId'), {
    path: '/v1/clients/{clientId}',
    method: 'get',
    tags: ['clients'],
  });
  t.match(byId.get('postBillingPeriodsByMunicipalityByMonthStatements'), { tags: ['billing periods'] });
  t.ok(
    ops.every((o) => o.tags?.length === 1),
    'one resource tag each',
  );
});
