#!/usr/bin/env node
// Runs placement alone (DESIGN §2): `node dist/main.js`, or `node dist/main.js projections:rebuild [projection]`.
import { serveAlone } from '@casework/host';
import { placement } from './plugin.js';

await serveAlone(placement, process.argv.slice(2));
