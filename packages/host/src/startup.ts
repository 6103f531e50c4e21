import { loadConfig } from '@casework/service-kit';
import { Config } from './config.js';

/** Prints why the process cannot go on and ends it (a configuration or start-up failure, never a stack). */
export const stop = (message: string, code = 2): never => {
  console.error(message);
  process.exit(code);
};

/** The configuration from the environment, or the process stops naming what is wrong with it. */
export function configOrStop(): Config {
  try {
    return loadConfig(Config);
  } catch (e) {
    return stop((e as Error).message);
  }
}
