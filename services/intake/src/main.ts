#!/usr/bin/env node
// Runs intake alone (DESIGN §2): `node dist/main.js`, or `node dist/main.js projections:rebuild [projection]`.
import { serveAlone } from '@casework/host';
import { intake } from './plugin.js';

await serveAlone(intake, process.argv.slice(2));
