#!/usr/bin/env node
// Runs billing alone (DESIGN §2): `node dist/main.js`, or `node dist/main.js projections:rebuild [projection]`.
import { serveAlone } from '@casework/host';
import { billing } from './plugin.js';

await serveAlone(billing, process.argv.slice(2));
