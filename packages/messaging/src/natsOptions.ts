import { readFileSync } from 'node:fs';
import {
  type Authenticator,
  type ConnectionOptions,
  credsAuthenticator,
  nkeyAuthenticator,
  nkeys,
  type TlsOptions,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';

/**
 * How a service proves who it is to NATS and how the connection is encrypted. At most one way to
 * authenticate: user + password, a token, an nkey seed (or a file holding it) or a credentials file
 * (JWT + seed, as `nsc` writes it). TLS files are read by the client on each (re)connect.
 */
export type NatsSecurity = {
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** A user nkey seed (`SU…`). */
  nkeySeed?: string | undefined;
  /** A file holding a user nkey seed; read again on each reconnect, so it can be rotated in place. */
  nkeySeedFile?: string | undefined;
  /** A `.creds` file (user JWT + seed); read again on each reconnect. */
  credsFile?: string | undefined;
  tls?:
    | {
        /** The CA that signed the servers' certificates (else the system's trusted CAs). */
        caFile?: string | undefined;
        /** Client certificate and its key, for servers that verify clients (`verify: true`). */
        certFile?: string | undefined;
        keyFile?: string | undefined;
      }
    | undefined;
};

/** Which of NatsSecurity's ways to authenticate are set (their field names, never their values). */
export function natsAuthMethods(s: NatsSecurity): string[] {
  const methods: string[] = [];
  if (s.user !== undefined || s.password !== undefined) methods.push('user');
  if (s.token !== undefined) methods.push('token');
  if (s.nkeySeed !== undefined) methods.push('nkeySeed');
  if (s.nkeySeedFile !== undefined) methods.push('nkeySeedFile');
  if (s.credsFile !== undefined) methods.push('credsFile');
  return methods;
}

const encoder = new TextEncoder();

/** A user seed as bytes, checked: the message says what is wrong, never what the seed is. */
function seedBytes(seed: string, where: string): Uint8Array {
  const bytes = encoder.encode(seed.trim());
  try {
    const kp = nkeys.fromSeed(bytes);
    if (!kp.getPublicKey().startsWith('U')) throw new Error('not a user key');
  } catch {
    throw new Error(`${where} is not a NATS user nkey seed (SU…)`);
  }
  return bytes;
}

function readFile(file: string, what: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read the NATS ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/**
 * The options for `connect` from `@nats-io/transport-node`: servers, connection name, reconnect
 * forever, and the credentials and TLS of `o` (TLS is required when a file is given or a URL is
 * `tls://`). Throws on an incompatible combination (two ways to
 * authenticate, a user without a password, a certificate without its key) or an unreadable file.
 */
export function natsConnectionOptions(o: NatsSecurity & { url: string; name: string }): ConnectionOptions {
  const methods = natsAuthMethods(o);
  if (methods.length > 1) {
    throw new Error(`NATS credentials: set one of ${methods.join(', ')}, not several`);
  }
  if ((o.user === undefined) !== (o.password === undefined)) {
    throw new Error('NATS credentials: user and password go together');
  }
  const tls = o.tls ?? {};
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new Error('NATS TLS: a client certificate and its key go together');
  }

  let authenticator: Authenticator | undefined;
  if (o.user !== undefined && o.password !== undefined) {
    authenticator = usernamePasswordAuthenticator(o.user, o.password);
  } else if (o.token !== undefined) {
    authenticator = tokenAuthenticator(o.token);
  } else if (o.nkeySeed !== undefined) {
    authenticator = nkeyAuthenticator(seedBytes(o.nkeySeed, 'the NATS nkey seed'));
  } else if (o.nkeySeedFile !== undefined) {
    const file = o.nkeySeedFile;
    const read = () =>
      seedBytes(
        new TextDecoder().decode(readFile(file, 'nkey seed file')),
        `the NATS nkey seed file ${file}`,
      );
    read(); // a missing or malformed file stops start-up rather than every reconnect
    authenticator = nkeyAuthenticator(read);
  } else if (o.credsFile !== undefined) {
    const file = o.credsFile;
    const read = () => readFile(file, 'credentials file');
    try {
      credsAuthenticator(read())('check'); // parses the JWT and signs: a bad file stops start-up
    } catch (e) {
      if (String((e as Error).message).startsWith('cannot read')) throw e;
      throw new Error(`the NATS credentials file ${file} is not a .creds file (user JWT and nkey seed)`);
    }
    authenticator = credsAuthenticator(read);
  }

  const tlsOptions: TlsOptions = {
    ...(tls.caFile !== undefined ? { caFile: tls.caFile } : {}),
    ...(tls.certFile !== undefined ? { certFile: tls.certFile } : {}),
    ...(tls.keyFile !== undefined ? { keyFile: tls.keyFile } : {}),
  };
  for (const [what, file] of Object.entries(tlsOptions)) readFile(file as string, `TLS ${what}`);
  const servers = o.url.split(',').map((s) => s.trim());
  // a tls:// URL asks for TLS: never fall back to plain text with a server that does not offer it
  const tlsRequired = Object.keys(tlsOptions).length > 0 || servers.some((s) => s.startsWith('tls://'));

  return {
    servers,
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // every publish is a request for its ack; capturing a stack trace for each (in case it fails)
    // cost the relay about a third of its CPU
    noAsyncTraces: true,
    ...(authenticator ? { authenticator } : {}),
    ...(tlsRequired ? { tls: tlsOptions } : {}),
  };
}
