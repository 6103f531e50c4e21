#!/usr/bin/env node
// Runs eligibility alone (DESIGN §2): `node dist/main.js`, or `node dist/main.js projections:rebuild [projection]`.
import { serveAlone } from '@casework/host';
import { eligibility } from './plugin.js';

await serveAlone(eligibility, process.argv.slice(2));
