import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the embedded mode keeps a local secret. */
export const localSecretFile = (dataDir: string, name: string) => resolve(join(dataDir, `${name}.key`));

/** A local secret kept under the data directory, created on first use (embedded mode only). */
export function localSecret(dataDir: string, name: string): string {
  const file = localSecretFile(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(32).toString('hex');
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

/** A local secret if the platform has created it, else undefined (never creates one). */
export function existingLocalSecret(dataDir: string, name: string): string | undefined {
  const file = localSecretFile(dataDir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
