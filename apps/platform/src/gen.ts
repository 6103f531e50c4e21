// `pnpm gen`: writes the OpenAPI and AsyncAPI documents, the event catalogue and the ingress (a test fails
// when they are stale).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedDocuments } from './docs.js';

const root = join(import.meta.dirname, '..', '..', '..');
for (const [path, content] of Object.entries(await generatedDocuments())) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
