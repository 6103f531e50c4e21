import { aptInstall, which } from './servers.js';

/**
 * Debian's Chromium for browser tests, installed (as root) when missing: test tools that download
 * their own browser find no network here, and a fresh machine has none installed.
 */
export function chromiumPath(): string {
  let path = which('chromium');
  if (!path) {
    aptInstall('chromium');
    path = which('chromium');
  }
  if (!path) throw new Error('no chromium binary found, even after installing chromium');
  return path;
}

/**
 * Flags for a headless Chromium on a closed machine: no sandbox as root, and none of its background
 * calls to Google's hosts (each refused, many at a time, at every start).
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
