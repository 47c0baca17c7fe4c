import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** The longest URL an endpoint may have. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Addresses a webhook must not reach: loopback, private, shared (CGNAT), link-local
 * (cloud metadata at 169.254.169.254), documentation, benchmarking, reserved,
 * multicast and broadcast; IPv6 loopback, unspecified, unique-local, link-local,
 * site-local, multicast, documentation, and the translation prefixes that can wrap
 * an IPv4 address (NAT64, 6to4, Teredo). IPv4-mapped IPv6 addresses are judged as
 * the IPv4 address they carry.
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

const MAPPED_IPV4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** True when `address` (an IP literal) is one a webhook may be sent to. */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = MAPPED_IPV4.exec(bare);
  if (mapped) return isPublicAddress(mapped[1]);
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 6 && /^::ffff:/i.test(bare)) {
    // ::ffff:7f00:1, the hex form of a mapped address: judge the IPv4 inside.
    const groups = bare.slice(7).split(':');
    if (groups.length === 2) {
      const n = (parseInt(groups[0], 16) << 16) | parseInt(groups[1], 16);
      return isPublicAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
    }
  }
  return !NON_PUBLIC.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a URL is refused, or null when it may be used. */
export function urlProblem(raw: string): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    return `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'url must be an absolute http or https URL';
  }
  if (url.username || url.password) return 'url must not carry credentials';
  if (!url.hostname) return 'url must name a host';
  return null;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** Thrown when a host is or resolves to an address the guard refuses. */
export class PrivateAddressError extends Error {}

/**
 * The addresses to connect to for `hostname`: every address it resolves to must be
 * public (one private answer is enough to refuse: DNS answers can be mixed on purpose),
 * unless `allowPrivate`.
 */
export async function resolvePublic(
  hostname: string,
  allowPrivate: boolean,
  resolver: Resolver = systemResolver,
): Promise<LookupAddress[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  const addresses = family ? [{ address: bare, family }] : await resolver(bare);
  if (addresses.length === 0) throw new PrivateAddressError(`${hostname} resolves to no address`);
  if (!allowPrivate) {
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) {
      throw new PrivateAddressError(
        family
          ? `${hostname} is a non-public address`
          : `${hostname} resolves to a non-public address (${refused.address})`,
      );
    }
  }
  return addresses;
}
