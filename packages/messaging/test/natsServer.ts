/**
 * Throwaway nats-server processes with a configuration of the test's choosing (credentials, TLS,
 * permissions), each on a free loopback port with its files in a temporary directory, stopped and
 * removed in the test's teardown. The shared server of `@casework/testkit` runs without any of these.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, freePort } from '@casework/testkit';

type Teardown = { teardown: (fn: () => void | Promise<void>) => void };

export type TestNatsServer = { url: string; port: number; dir: string };

export function natsServerBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (dir && existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  }
  throw new Error('no nats-server binary: install the nats-server package');
}

/** A directory removed in the test's teardown. */
export function tempDir(t: Teardown, prefix = 'casework-nats-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts nats-server with `config` (its `listen` is added here; `{{dir}}` stands for the server's
 * directory, where `files` are written first) and `env` (for `$VARIABLE`s of the configuration).
 */
export async function startNatsServer(
  t: Teardown,
  o: { config: string; files?: Record<string, string>; env?: Record<string, string>; dir?: string },
): Promise<TestNatsServer> {
  const dir = o.dir ?? tempDir(t);
  const port = await freePort();
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(join(dir, name), text);
  const file = join(dir, `server-${port}.conf`);
  writeFileSync(file, `listen: 127.0.0.1:${port}\n${o.config.replaceAll('{{dir}}', dir)}\n`);
  let stderr = '';
  const proc = spawn(natsServerBinary(), ['-c', file], {
    env: { PATH: process.env.PATH ?? '', ...o.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  });
  const until = Date.now() + 10_000;
  while ((await answers('127.0.0.1', port, 200)) === undefined) {
    if (proc.exitCode !== null) throw new Error(`nats-server did not start: ${stderr.trim()}`);
    if (Date.now() > until) throw new Error(`nats-server did not answer on ${port}: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `nats://127.0.0.1:${port}`, port, dir };
}

export type Certificates = {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
};

/** A CA of the test's own, a server certificate for 127.0.0.1 and a client certificate, from `openssl`. */
export function makeCertificates(dir: string): Certificates {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = (name: string) =>
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f(name));
  key('ca-key.pem');
  openssl(
    ...['req', '-x509', '-new', '-key', f('ca-key.pem'), '-out', f('ca.pem'), '-days', '1'],
    ...['-subj', '/CN=casework test CA'],
  );
  const sign = (name: string, cn: string, ext: string) => {
    key(`${name}-key.pem`);
    openssl('req', '-new', '-key', f(`${name}-key.pem`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    writeFileSync(f(`${name}.ext`), ext);
    openssl(
      ...['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem')],
      ...['-CAcreateserial', '-out', f(`${name}.pem`), '-days', '1', '-extfile', f(`${name}.ext`)],
    );
  };
  sign('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', 'casework-test-client', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server-key.pem'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client-key.pem'),
  };
}
