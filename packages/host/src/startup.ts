import { loadConfig } from '@casework/service-kit';
import type { z } from 'zod';
import { Config } from './config.js';

/** Prints why the process cannot go on and ends it (a configuration or start-up failure, never a stack). */
export const stop = (message: string, code = 2): never => {
  console.error(message);
  process.exit(code);
};

/** The configuration from the environment, or the process stops naming what is wrong with it. */
export function configOrStop(): Config;
export function configOrStop<S extends z.ZodObject>(schema: S): z.infer<S>;
export function configOrStop(schema: z.ZodObject = Config): unknown {
  try {
    return loadConfig(schema);
  } catch (e) {
    return stop((e as Error).message);
  }
}
