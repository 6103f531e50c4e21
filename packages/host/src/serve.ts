import { rebuildProjections, type ServiceModule } from '@casework/service-kit';
import closeWithGrace from 'close-with-grace';
import type { Config } from './config.js';
import { createPlatform, type Platform } from './platform.js';
import { configOrStop, stop } from './startup.js';

/**
 * Hosts services in this process until it is told to stop: builds them on the configuration's mode,
 * listens on HOST:PORT, and on SIGINT/SIGTERM (or an uncaught error) closes the server, the transport
 * and the database, giving requests and workers under way 10 s to finish.
 */
export async function serve(
  config: Config,
  services: readonly ServiceModule[],
): Promise<{ platform: Platform; address: string }> {
  const platform = await createPlatform(config, services).catch((e: Error) =>
    stop(`Casework did not start: ${e.message}`, 1),
  );
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err)
      platform.app.log.error({ err: { type: err.name, message: err.message } }, 'stopping after an error');
    await platform.close();
  });
  const address = await platform.app.listen({ port: config.PORT, host: config.HOST });
  return { platform, address };
}

/**
 * Empties the services' read models (those of projection `name` only, when given) and replays them
 * from the first event, without their workers, then ends the process: 0 when something was rebuilt.
 * In the distributed mode this is safe while other instances run.
 */
export async function rebuildAndExit(
  config: Config,
  services: readonly ServiceModule[],
  name: string | undefined,
): Promise<never> {
  const platform = await createPlatform(config, services, { workers: false });
  let total = 0;
  for (const hosted of platform.app.hosted) {
    const replayed = await rebuildProjections(hosted, name);
    for (const [projection, events] of Object.entries(replayed)) {
      console.log(`${hosted.module.name}: rebuilt ${projection} from ${events} events`);
      total += 1;
    }
  }
  await platform.close();
  if (total === 0) console.error(`no projection named ${name}`);
  process.exit(total === 0 ? 1 : 0);
}

/**
 * A service's own `main.ts`: the one service in this process (distributed mode when DATABASE_URL and
 * NATS_URL are set, as it is deployed; embedded otherwise, with only its own events), or with
 * `projections:rebuild [projection]` its read models rebuilt.
 */
export async function serveAlone(service: ServiceModule, argv: readonly string[]): Promise<void> {
  const config = configOrStop();
  const [command, name, ...rest] = argv;
  if (command === 'projections:rebuild' && rest.length === 0) await rebuildAndExit(config, [service], name);
  if (command !== undefined) stop(`usage: main.js [projections:rebuild [projection]]`);
  const { platform, address } = await serve(config, [service]);
  console.log(`Casework ${service.name} (${platform.mode}) is listening on ${address}`);
}
