import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocuments } from '@casework/platform/docs';
import t from 'tap';

const root = join(import.meta.dirname, '..', '..');

t.test('the committed OpenAPI and AsyncAPI documents match the code (else run pnpm gen)', async (t) => {
  for (const [path, expected] of Object.entries(await generatedDocuments())) {
    let committed = '';
    try {
      committed = readFileSync(join(root, path), 'utf8');
    } catch {}
    t.ok(committed === expected, `${path} is current`);
  }
});

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
