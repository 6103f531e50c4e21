import t from 'tap';
import {
  type Answer,
  type CheckContext,
  check,
  FAILURE_CLASSES,
  personalRecordsIn,
  type Sent,
} from './checker.js';
import { operationsOf, responseValidator } from './openapi.js';

// A small document in the shape the platform publishes: a client read and a directorate table.
const problem = { $ref: '#/components/schemas/Problem' };
const problemContent = { 'application/problem+json': { schema: problem } };
const doc = {
  openapi: '3.1.0',
  paths: {
    '/v1/clients/{clientId}': {
      get: {
        parameters: [
          { in: 'path', name: 'clientId', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
        responses: {
          200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Client' } } } },
          404: { content: problemContent },
        },
      },
    },
    '/v1/directorate/occupancy': {
      get: {
        responses: {
          200: { content: { 'application/json': { schema: { type: 'object' } } } },
          400: { content: problemContent },
        },
      },
    },
    '/health/ready': {
      get: {
        security: [],
        responses: {
          200: { content: { 'application/json': { schema: { type: 'object' } } } },
          503: { content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' } },
        required: ['type', 'title', 'status'],
      },
      Client: {
        type: 'object',
        properties: {
          clientId: { type: 'string', format: 'uuid' },
          municipality: { type: 'string' },
          givenName: { type: 'string' },
        },
        required: ['clientId', 'municipality'],
        additionalProperties: false,
      },
    },
  },
};
const [client, directorate, ready] = operationsOf(doc);
const own = '01900000-0000-7000-8000-000000000001';
const foreign = '01900000-0000-7000-8000-000000000002';
const ctx: CheckContext = {
  validator: responseValidator(doc),
  owner: new Map([
    [own, 'BLG01'],
    [foreign, 'MON29'],
  ]),
  oblastOf: (m) => (m === 'BLG01' ? 'BG-01' : 'BG-12'),
  clientIds: new Set([own, foreign]),
};
const read = (id: string, role = 'case_manager', covers: readonly string[] | 'all' = ['BLG01']): Sent => ({
  op: client!,
  method: 'GET',
  url: `/v1/clients/${id}`,
  role,
  covers,
  named: [id],
});
const json = (status: number, body: unknown, type = 'application/json'): Answer => ({
  status,
  contentType: `${type}; charset=utf-8`,
  body: JSON.stringify(body),
});
const notFound = json(404, { type: 'x', title: 'Not found', status: 404 }, 'application/problem+json');
const classes = (sent: Sent, answer: Answer) =>
  [...new Set(check(sent, answer, ctx).map((f) => f.class))].sort();

t.test('an answer the document promises, in scope, passes', async (t) => {
  t.same(classes(read(own), json(200, { clientId: own, municipality: 'BLG01', givenName: 'Иван' })), []);
  t.same(classes(read(foreign), notFound), [], 'another scope’s client reads as absent');
  t.same(classes(read(foreign, 'admin', 'all'), json(200, { clientId: foreign, municipality: 'MON29' })), []);
  t.same(
    classes({ ...read(own), op: ready!, url: '/health/ready' }, json(503, { status: 'unavailable' })),
    ['server-error'],
    'readiness declares its own 503 body: a server error still, but no problem document is owed',
  );
});

t.test('each failure class is caught', async (t) => {
  const found = new Set<string>();
  const expect = (name: string, sent: Sent, answer: Answer, wanted: string[]) => {
    const got = classes(sent, answer);
    t.same(got, [...wanted].sort(), name);
    for (const c of got) found.add(c);
  };
  expect(
    'a server error (declared nowhere, as a problem)',
    read(own),
    json(500, { type: 'x', title: 'Internal', status: 500 }, 'application/problem+json'),
    ['server-error', 'undeclared-status'],
  );
  expect('an error as plain JSON', read(own), json(404, { type: 'x', title: 'Not found', status: 404 }), [
    'error-not-problem',
    'undeclared-content-type',
  ]);
  expect('an error as text', read(own), { status: 404, contentType: 'text/plain', body: 'Not Found' }, [
    'error-not-problem',
    'undeclared-content-type',
  ]);
  expect(
    'a status the operation does not declare',
    read(own),
    json(409, { type: 'x', title: 'C', status: 409 }, 'application/problem+json'),
    ['undeclared-status'],
  );
  expect(
    'a body against its schema',
    read(own),
    json(200, { clientId: own, municipality: 'BLG01', extra: 1 }),
    ['schema-violation'],
  );
  expect(
    'a problem missing its title',
    read(foreign),
    json(404, { type: 'x', status: 404 }, 'application/problem+json'),
    ['schema-violation'],
  );
  expect(
    'another scope’s client read by its id',
    read(foreign),
    json(200, { clientId: foreign, municipality: 'MON29' }),
    ['scope-leak'],
  );
  expect(
    'a refusal naming another scope’s client',
    read(own),
    json(
      404,
      { type: 'x', title: 'Not found', status: 404, detail: `held by ${foreign}` },
      'application/problem+json',
    ),
    ['scope-leak'],
  );
  expect(
    'a command acting on a body id of another scope',
    { ...read(own), method: 'POST', named: [own, foreign] },
    json(200, { clientId: own, municipality: 'BLG01' }),
    ['scope-leak'],
  );
  expect(
    'a record made in another municipality',
    { ...read(own), method: 'POST', url: '/v1/clients', body: { municipality: 'MON29' }, named: [] },
    json(200, { clientId: '01900000-0000-7000-8000-000000000003', municipality: 'MON29' }),
    ['scope-leak'],
  );
  expect(
    'a page holding a record of another municipality',
    { ...read(own), op: directorate!, url: '/v1/directorate/occupancy?oblast=BG-01', named: [] },
    json(200, { oblast: 'BG-01', rows: [{ municipality: 'MON29' }] }),
    ['scope-leak'],
  );
  expect(
    'a directorate answer of another oblast',
    { ...read(own, 'directorate_analyst'), op: directorate!, url: '/v1/directorate/occupancy', named: [] },
    json(200, { oblast: 'BG-12', rows: [] }),
    ['scope-leak'],
  );
  expect(
    'a name in a directorate answer',
    {
      ...read(own, 'directorate_analyst', 'all'),
      op: directorate!,
      url: '/v1/directorate/occupancy',
      named: [],
    },
    json(200, { rows: [{ pseudonym: 'P-abcdefghijkl', givenName: 'Иван' }] }),
    ['personal-data'],
  );
  expect(
    'a client id in a directorate answer',
    {
      ...read(own, 'directorate_analyst', 'all'),
      op: directorate!,
      url: '/v1/directorate/occupancy',
      named: [],
    },
    json(200, { rows: [{ who: own }] }),
    ['personal-data'],
  );
  expect(
    'an unscoped municipal caller seeing a record',
    read(own, 'case_manager', []),
    json(200, { clientId: own, municipality: 'BLG01' }),
    ['scope-leak'],
  );
  expect(
    'a forged token let through',
    { ...read(own), forged: 'no exp' },
    json(200, { clientId: own, municipality: 'BLG01' }),
    ['token-accepted'],
  );
  t.same(
    classes(
      { ...read(own), forged: 'no exp' },
      json(401, { type: 'x', title: 'Unauthorized', status: 401 }, 'application/problem+json'),
    ),
    ['undeclared-status'],
    'a forged token refused (the small document declares no 401)',
  );
  const secure = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
  expect(
    'an answer that may be sniffed',
    read(own),
    { ...json(200, { clientId: own, municipality: 'BLG01' }), headers: { 'cache-control': 'no-store' } },
    ['missing-header'],
  );
  expect(
    'a personal record that may be cached',
    read(own),
    {
      ...json(200, { clientId: own, municipality: 'BLG01', givenName: 'Иван' }),
      headers: { 'x-content-type-options': 'nosniff' },
    },
    ['missing-header'],
  );
  t.same(
    classes(read(own), {
      ...json(200, { clientId: own, municipality: 'BLG01', givenName: 'Иван' }),
      headers: secure,
    }),
    [],
    'with both headers, a personal record passes',
  );
  t.same([...found].sort(), [...FAILURE_CLASSES].sort(), 'every failure class can fail');
});

t.test('personal records are found wherever an answer shows them', async (t) => {
  t.same(personalRecordsIn({ clientId: own, givenName: 'Иван' }), [own], 'a client record');
  t.same(
    personalRecordsIn({ items: [{ clientId: foreign, identifier: { kind: 'egn' } }] }),
    [foreign],
    'a page',
  );
  t.same(personalRecordsIn({ clientId: own, version: 3 }), [], 'an id and a version only');
  t.same(personalRecordsIn({ siteId: own, name: 'Home', address: 'Street 1' }), [], 'a site');
});
