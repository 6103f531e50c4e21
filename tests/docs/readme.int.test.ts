import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCommandLine } from '@casework/platform/args';
import t from 'tap';

/**
 * Issue 14, hole 13: the README's first-run path, run as a shell would from the README's own text on a
 * platform started from the sources (port and DATA_DIR of the test's own). The first build and the demo
 * seed take minutes and are left out: `pnpm start -- --demo` is checked through the launcher's argument
 * parsing, which receives exactly what pnpm hands on (`--` included, as `pnpm run mint-token -- …` shows).
 */
const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const shellBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
const inlineCode = [...readme.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
const sh = promisify(execFile);

// the environment of someone at a terminal: none of the test runner's (its NODE_OPTIONS loads tap's hooks)
const cleanEnv = (extra: Record<string, string>) => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(NODE_OPTIONS|TAP|_TAPJS|npm_)/.test(k)),
  ),
  ...extra,
});
const bash = (script: string, env: Record<string, string>) =>
  sh('bash', ['-c', script], { cwd: root, env: cleanEnv(env), timeout: 30_000 });

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.trim().split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;

/** What the flags of a mint-token command line ask for. */
const asked = (command: string) => {
  const flag = (name: string) => [...command.matchAll(new RegExp(`--${name} (\\S+)`, 'g'))].map((m) => m[1]!);
  return { roles: flag('role'), municipality: flag('municipality')[0], oblast: flag('oblast')[0] };
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

t.test('the README first-run path works as written', async (t) => {
  const dataDir = t.testdir({});
  const env = { DATA_DIR: dataDir };

  const block = shellBlocks.find((b) => b.includes('mint-token') && b.includes('curl'));
  t.ok(block, 'the README shows the token and curl commands in one block');
  const tokenLine = block!.split('\n')[0]!;
  t.match(
    tokenLine,
    /^export TOKEN=\$\(pnpm --silent run mint-token /,
    'it sets TOKEN for the curl that follows',
  );

  // before the platform ever ran, mint-token says where it looked instead of minting a useless token
  const mintCommand = tokenLine.slice('export TOKEN=$('.length, -1);
  const early = await bash(mintCommand, env).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  t.not(early.code, 0, 'no key yet: mint-token refuses');
  t.match(early.stderr, /no signing key at .*signing\.key: start the platform first/);

  const port = await freePort();
  const platform: ChildProcess = spawn(
    process.execPath,
    ['--conditions=casework-src', '--import', 'tsx', 'apps/platform/src/main.ts'],
    {
      cwd: root,
      env: cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.teardown(() => {
    platform.kill('SIGTERM');
  });
  let printed = '';
  platform.stdout!.on('data', (c: Buffer) => {
    printed += c.toString('utf8');
  });
  platform.stderr!.on('data', (c: Buffer) => {
    printed += c.toString('utf8');
  });
  const until = Date.now() + 45_000;
  while (!printed.includes('is listening on') && Date.now() < until && platform.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100));
  }
  t.match(printed, `is listening on http://127.0.0.1:${port}`, 'the platform started');
  while (!printed.includes('seeds the demo') && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100));

  // the hints it prints are commands of the README (DATA_DIR named, as it is not the default)
  const hint = /A token: +(export TOKEN=\$\((.*)\))\n/.exec(printed);
  t.ok(hint, 'the startup hint shows how to get a token');
  t.equal(hint![2], `DATA_DIR=${dataDir} ${mintCommand}`);
  const demoHint = /`(pnpm start[^`]*)` seeds the demo/.exec(printed);
  t.ok(demoHint && inlineCode.includes(demoHint[1]!), `the demo hint ${demoHint?.[1]} is the README's`);

  // the README's block on this platform's port (curl asked for the status code too, -w): a token of the
  // flags' claims, and a registration answered 201
  const onPort = block!.replace(
    /http:\/\/127\.0\.0\.1:3000(\S*)/,
    `http://127.0.0.1:${port}$1 -w '\\n%{http_code}'`,
  );
  const script = `${onPort}\nprintf '\\n%s' "$TOKEN"`;
  const ran = await bash(script, env);
  const lines = ran.stdout.split('\n');
  const token = lines.pop()!;
  t.equal(lines.pop(), '201', 'the curl example registers a person: 201');
  t.match(claimsOf(token), {
    roles: ['case_manager'],
    municipality: 'BLG01',
    sub: /^demo-case_manager-[0-9a-f]+$/,
    iss: 'casework',
    aud: 'casework-api',
  });
  const created = JSON.parse(lines.join('\n'));
  t.match(
    created,
    { clientId: /^[0-9a-f-]{36}$/, caseNumber: /^BLG01-/, municipality: 'BLG01' },
    'registered',
  );
  const read = await fetch(`http://127.0.0.1:${port}/v1/clients/${created.clientId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  t.equal(read.status, 200, 'the token reads what it registered');
  t.equal((await fetch(`http://127.0.0.1:${port}/docs`)).status, 200, '/docs opens without a token');

  // the hint as printed works too
  const fromHint = await bash(`${hint![1]}\nprintf %s "$TOKEN"`, {});
  t.match(claimsOf(fromHint.stdout), { roles: ['case_manager'], municipality: 'BLG01' }, 'the hint mints');

  // every mint-token example of the README, and the `--` form pnpm users type, mint what they ask for
  const examples = inlineCode.filter((c) => c.startsWith('pnpm --silent run mint-token'));
  t.ok(examples.length >= 3, 'the README shows other callers');
  const subs = new Set<string>();
  const commands = [
    ...examples,
    'pnpm run mint-token -- --role supervisor --municipality MON29 --sub clerk-7',
  ];
  const minted = await Promise.all(
    commands.map(async (command) => (await bash(command, env)).stdout.trim().split('\n').pop()!),
  );
  for (const [i, command] of commands.entries()) {
    const claims = claimsOf(minted[i]!);
    const want = asked(command);
    t.same(claims.roles, want.roles, `${command}: roles`);
    t.equal(claims.municipality, want.municipality, `${command}: municipality`);
    t.equal(claims.oblast, want.oblast, `${command}: oblast`);
    subs.add(claims.sub as string);
    const ok = await fetch(`http://127.0.0.1:${port}/v1/clients/${created.clientId}`, {
      headers: { authorization: `Bearer ${minted[i]}` },
    });
    t.not(ok.status, 401, `${command}: the platform accepts it`);
  }
  t.ok(subs.has('clerk-7'), '--sub names the subject');
  t.equal(subs.size, commands.length, 'every token has a subject of its own');
});

t.test(
  '`pnpm start -- --demo` seeds: the launcher honours flags after the `--` pnpm passes on',
  async (t) => {
    const start = inlineCode.filter((c) => c.startsWith('pnpm start') && c.includes('--demo'));
    t.ok(start.length > 0, 'the README names the demo command');
    for (const command of start) {
      // pnpm appends what follows the script name, `--` included, to the script's own command line
      const passed = command.replace(/^pnpm start\s*/, '').split(/\s+/);
      t.equal(parseCommandLine(passed).values.demo, true, command);
    }
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
    t.match(
      scripts.start,
      /^node [^&|;]*apps\/platform\/scripts\/start\.mjs$/,
      'start hands its arguments on',
    );
    t.notOk(scripts.token, 'no script is named after a pnpm built-in (pnpm token)');
    t.same(parseCommandLine(['mint-token', '--', '--role', 'admin']).values.role, ['admin']);
  },
);
