import { ReferenceConfig, trustProxyOf } from '@casework/host/config';
import { configOrStop } from '@casework/host/startup';
import { referenceApp } from '@casework/service-kit';
import { describePlatform } from './docs.js';

/**
 * `main.js docs`: the platform's whole API reference for the ingress of the distributed mode. It holds
 * no data and no secret, so it reads only where to listen, how to log and which proxies to trust.
 */
export async function serveReference(): Promise<void> {
  const config = configOrStop(ReferenceConfig);
  const { openapi } = await describePlatform();
  const app = await referenceApp(openapi as Record<string, unknown>, {
    logLevel: config.LOG_LEVEL,
    ...trustProxyOf(config),
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  console.log(`Casework API reference is listening on ${address}/docs (document: ${address}/openapi.json)`);
}
