#!/usr/bin/env node
/**
 * Runs Casework. `node dist/main.js` hosts all four services (embedded by default);
 * `--service <name>` hosts one (distributed mode: DATABASE_URL and NATS_URL set).
 * `mint-token` prints a bearer token signed with the local key (`pnpm run mint-token --role …`).
 * `projections:rebuild [name] --service <name>` empties read models and replays them from the first
 * event; in the distributed mode this is safe while the service runs.
 * `docs` serves the API reference of all four services alone (`/docs`, `/openapi.json`): the ingress of
 * the distributed mode sends those paths to it.
 */
import { resolve } from 'node:path';
import { Config, productionReason } from '@casework/host/config';
import { existingLocalSecret, localSecretFile } from '@casework/host/secrets';
import { configOrStop, stop } from '@casework/host/startup';
import { mintToken } from '@casework/service-kit';
import { parseCommandLine, principalFromFlags } from './args.js';

const attempt = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    return stop((e as Error).message);
  }
};
const { values, positionals, command } = attempt(() => parseCommandLine(process.argv.slice(2)));
if (command === 'docs') {
  const { serveReference } = await import('./reference.js');
  await serveReference();
} else {
  await runPlatform();
}

async function runPlatform() {
  const config = configOrStop();
  if (values.demo && productionReason(config)) {
    stop(`--demo: ${productionReason(config)} is set; the demo's synthetic people never go into production`);
  }
  const tokenOptions = { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };

  if (command === 'mint-token') {
    if (config.AUTH_JWKS_URL) {
      stop(
        'mint-token: AUTH_JWKS_URL is set, so tokens come from the identity provider; nothing is minted here',
      );
    }
    const distributed = Boolean(config.DATABASE_URL && config.NATS_URL) || productionReason(config);
    const keyFile = localSecretFile(config.DATA_DIR, 'signing');
    const key =
      config.AUTH_SIGNING_KEY ?? (distributed ? undefined : existingLocalSecret(config.DATA_DIR, 'signing'));
    if (!key) {
      stop(
        distributed
          ? 'mint-token: set AUTH_SIGNING_KEY (the distributed mode keeps no local key)'
          : `mint-token: no signing key at ${keyFile}: start the platform first (pnpm start), with the same DATA_DIR`,
      );
    }
    const asked = principalFromFlags(values);
    if ('error' in asked) stop(`mint-token: ${asked.error}`);
    const { principal } = asked as Extract<typeof asked, { principal: unknown }>;
    console.log(await mintToken(key as string, principal, { ...tokenOptions, expiresIn: '8h' }));
    const scope = principal.municipality ?? principal.oblast ?? 'national';
    const signer = config.AUTH_SIGNING_KEY ? 'AUTH_SIGNING_KEY' : keyFile;
    console.error(
      `mint-token: ${principal.roles.join(', ')} of ${scope} as ${principal.sub}, valid 8 h, key ${signer}`,
    );
    process.exit(0);
  }

  if (command !== undefined && command !== 'projections:rebuild') {
    stop(`unknown command ${command}: the commands are mint-token, projections:rebuild and docs`);
  }
  // the services are loaded only to run them (mint-token answers without them)
  const { rebuildAndExit, serve } = await import('@casework/host');
  const { allServices, servicesNamed } = await import('./services.js');

  if (command === 'projections:rebuild') {
    await rebuildAndExit(
      config,
      values.service ? servicesNamed(values.service) : allServices,
      positionals[1],
    );
  }

  const services = values.service ? servicesNamed(values.service) : [...allServices];
  const { platform, address } = await serve(config, services);
  const names = services.map((s) => s.name).join(', ');
  // the token hint names DATA_DIR when it is not the default: mint-token reads the key from there
  const dataDir =
    config.DATA_DIR === Config.shape.DATA_DIR.parse(undefined) ? '' : `DATA_DIR=${resolve(config.DATA_DIR)} `;
  const mint = 'pnpm --silent run mint-token --role case_manager --municipality BLG01';
  const tokenHint = !platform.signingKey
    ? '  Tokens:     from the identity provider (AUTH_JWKS_URL)'
    : `  A token:    export TOKEN=$(${config.AUTH_SIGNING_KEY ? '' : dataDir}${mint})
              then send it as "Authorization: Bearer $TOKEN"${config.AUTH_SIGNING_KEY ? ' (mint-token needs the same AUTH_SIGNING_KEY)' : ''}`;
  console.log(`
Casework (${platform.mode}: ${names}) is listening on ${address}
  API docs:   ${address}/docs   (OpenAPI document: ${address}/openapi.json)
  Health:     ${address}/health/ready
${tokenHint}
`);

  // the demo is the embedded mode's (or asked for with --demo where a local key can sign its requests)
  const signingKey = platform.signingKey;
  if (signingKey && (platform.mode === 'embedded' || values.demo === true)) {
    const { offerDemo } = await import('./demo/offer.js');
    await offerDemo(platform.app, (p) => mintToken(signingKey, p, tokenOptions), values.demo === true);
  }
}
