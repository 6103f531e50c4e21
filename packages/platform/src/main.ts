#!/usr/bin/env node
/**
 * Runs Casework. `node dist/main.js` hosts all four services (embedded by default);
 * `--service <name>` hosts one (distributed mode: DATABASE_URL and NATS_URL set).
 * `mint-token` prints a bearer token signed with the local key.
 * `projections:rebuild [name] --service <name>` empties read models and replays them from the first
 * event; in the distributed mode this is safe while the service runs.
 */
import { parseArgs } from 'node:util';
import { loadConfig, mintToken, Principal, rebuildProjections } from '@casework/service-kit';
import closeWithGrace from 'close-with-grace';
import { Config } from './config.js';
import { offerDemo } from './demo/offer.js';
import { createPlatform } from './platform.js';
import { localSecret } from './secrets.js';
import { allServices, servicesNamed } from './services.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    service: { type: 'string', multiple: true },
    sub: { type: 'string', default: 'demo-case-manager' },
    role: { type: 'string', multiple: true },
    municipality: { type: 'string' },
    oblast: { type: 'string' },
    demo: { type: 'boolean' },
  },
});

let config: Config;
try {
  config = loadConfig(Config);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

if (positionals[0] === 'mint-token') {
  const key = config.AUTH_SIGNING_KEY ?? localSecret(config.DATA_DIR, 'signing');
  const principal = Principal.parse({
    sub: values.sub,
    roles: values.role ?? ['case_manager'],
    ...(values.oblast ? { oblast: values.oblast } : { municipality: values.municipality ?? 'BLG01' }),
  });
  console.log(await mintToken(key, principal));
  process.exit(0);
}

if (positionals[0] === 'projections:rebuild') {
  const platform = await createPlatform(
    config,
    values.service ? servicesNamed(values.service) : allServices,
    {
      workers: false,
    },
  );
  let total = 0;
  for (const hosted of platform.app.hosted) {
    const replayed = await rebuildProjections(hosted, positionals[1]);
    for (const [projection, events] of Object.entries(replayed)) {
      console.log(`${hosted.module.name}: rebuilt ${projection} from ${events} events`);
      total += 1;
    }
  }
  await platform.close();
  if (total === 0) console.error(`no projection named ${positionals[1]}`);
  process.exit(total === 0 ? 1 : 0);
}

const services = values.service ? servicesNamed(values.service) : [...allServices];
const platform = await createPlatform(config, services);
closeWithGrace({ delay: 10_000 }, async ({ err }) => {
  if (err)
    platform.app.log.error({ err: { type: err.name, message: err.message } }, 'stopping after an error');
  await platform.close();
});
const address = await platform.app.listen({ port: config.PORT, host: config.HOST });
const names = services.map((s) => s.name).join(', ');
console.log(`
Casework (${platform.mode}: ${names}) is listening on ${address}
  API docs:   ${address}/docs   (OpenAPI document: ${address}/openapi.json)
  Health:     ${address}/health/ready
  A token:    pnpm --silent token -- --role case_manager --municipality BLG01
              then send it as "Authorization: Bearer <token>"
`);

const signingKey = config.AUTH_SIGNING_KEY ?? localSecret(config.DATA_DIR, 'signing');
await offerDemo(platform.app, (p) => mintToken(signingKey, p), values.demo === true);
