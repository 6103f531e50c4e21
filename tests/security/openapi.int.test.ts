import { openApiDocument } from '@casework/platform/docs';
import t from 'tap';
import { isProblemSchema, operationsOf, responseValidator } from './openapi.js';

/**
 * The published document promises what the kit answers on every route (issue 14): errors as
 * application/problem+json, 401 behind a token, 403 where roles are restricted, 404 for path ids,
 * 413/415 for bodies, 400/414/431/500 everywhere. The fuzz suite checks the answers against it.
 */
t.test(
  'the OpenAPI document declares every error as problem+json, with the statuses the kit answers',
  async (t) => {
    const ops = operationsOf(await openApiDocument());
    t.ok(ops.length > 80, `${ops.length} operations`);
    const wrong: string[] = [];
    for (const op of ops) {
      const declares = (status: number) => String(status) in op.responses;
      const want = [400, 414, 431, 500];
      if (!op.public) want.push(401);
      if (op.roles) want.push(403);
      if (op.params.some((p) => p.in === 'path')) want.push(404);
      if (op.method === 'POST' || op.method === 'PUT') want.push(413, 415);
      for (const status of want) if (!declares(status)) wrong.push(`${op.key}: ${status} not declared`);
      for (const [status, content] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        for (const [media, schema] of Object.entries(content)) {
          // readiness answers 503 with its own report; every other error is a problem document
          if (media !== 'application/problem+json' && isProblemSchema(schema))
            wrong.push(`${op.key}: ${status} problem declared as ${media}`);
          if (media === 'application/problem+json' && !isProblemSchema(schema))
            wrong.push(`${op.key}: ${status} problem+json without the Problem schema`);
        }
      }
    }
    t.same(wrong, [], 'every operation declares what it can answer, errors as problem+json');
  },
);

t.test('answers are validated against the published schemas, not against anything', async (t) => {
  const doc = await openApiDocument();
  const validator = responseValidator(doc);
  const read = operationsOf(doc).find((o) => o.key === 'GET /v1/clients/{clientId}')!;
  const schema = read.responses['200']!['application/json']!;
  t.notOk(validator(schema)({}), 'a client record without its fields is refused');
  t.notOk(validator(schema)({ clientId: 'not-a-uuid' }), 'nor one with a malformed id');
  const problem = read.responses['404']!['application/problem+json']!;
  t.ok(validator(problem)({ type: 'x', title: 'Not found', status: 404 }), 'a problem document passes');
  t.notOk(validator(problem)({ status: '404' }), 'a problem without type and title does not');
});
