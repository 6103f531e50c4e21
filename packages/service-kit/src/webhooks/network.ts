import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

/**
 * Addresses a webhook may not reach unless allowed: loopback, private, link-local, shared, benchmarking,
 * multicast and reserved, and the IPv6 forms that carry an IPv4 address (NAT64, 6to4).
 */
const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  internal.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2002::', 16],
  ['fc00::', 7],
  ['fec0::', 10],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(net, prefix, 'ipv6');

/** Whether an address is inside a network the platform runs in (an IPv4-mapped IPv6 one by its IPv4). */
export function isInternal(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 0 ? true : internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host of a URL as the resolver takes it (an IPv6 literal without its brackets). */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Whether a URL names an internal address literally: refused at registration and checked again at each
 * delivery (a name is checked when it is resolved, by the pool's resolver).
 */
export function namesInternalAddress(url: URL): boolean {
  const host = hostOf(url);
  return isIP(host) !== 0 && isInternal(host);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A resolver that answers only outside addresses: the check is made on the address the connection is
 * about to use, so a name that resolves differently the second time (DNS rebinding) gains nothing.
 */
function outsideOnly(hostname: string, options: object, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const allowed = addresses.filter((a) => !isInternal(a.address));
    if (allowed.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to an internal address`), {
        code: 'EWEBHOOKADDRESS',
      });
      return callback(refused, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, allowed);
    callback(null, allowed[0]!.address, allowed[0]!.family);
  });
}

/** The connection pool webhooks are sent through: kept alive per receiver, outside addresses only unless allowed. */
export function webhookAgent(allowInternal: boolean, connectionsPerOrigin: number): Agent {
  return new Agent({
    connections: connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    ...(allowInternal ? {} : { connect: { lookup: outsideOnly } }),
  });
}
