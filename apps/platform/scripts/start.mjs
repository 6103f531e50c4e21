#!/usr/bin/env node
/**
 * `pnpm start`: builds what changed (turbo, cached) while showing which package is being built, then runs
 * the platform in this process with the arguments given (`pnpm start -- --demo` included: the launcher
 * ignores the `--` that pnpm passes on). The first build of a fresh clone takes a minute or two.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const turbo = join(root, 'node_modules', '.bin', 'turbo');
const started = Date.now();
const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;

const code = await new Promise((done) => {
  const child = spawn(turbo, ['run', 'build', '--output-logs=new-only'], {
    cwd: root,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  let total = '?';
  let building = 0;
  let rest = '';
  const read = (chunk) => {
    const text = rest + chunk.toString('utf8');
    const all = text.split('\n');
    rest = all.pop() ?? '';
    for (const raw of all) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
      const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
      lines.push(line);
      const packages = /Running build in (\d+) packages?/.exec(line);
      if (packages) total = packages[1];
      const miss = /^(\S+):build: cache miss, executing/.exec(line);
      if (miss) {
        if (building === 0) console.log('Building Casework (the first build takes a minute or two)…');
        building += 1;
        console.log(`  [${building}/${total}] ${miss[1]} (${seconds()})`);
      }
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  child.on('close', (status) => {
    if (status !== 0) console.error(lines.filter((l) => !/cache (hit|miss)/.test(l)).join('\n'));
    else if (building > 0) console.log(`Built in ${seconds()}.`);
    done(status ?? 1);
  });
});
if (code !== 0) {
  console.error('The build failed (above); nothing was started.');
  process.exit(code);
}
await import(pathToFileURL(join(root, 'apps', 'platform', 'dist', 'main.js')).href);
