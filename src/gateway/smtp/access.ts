import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../../errors.js';

/**
 * The source-address allow-list for devices that cannot log in: loopback and networks named one
 * by one. A network wider than /16 (IPv4) or /48 (IPv6) is refused: it would make the gateway an
 * open relay for everything behind it. Matching uses node's BlockList (IPv4-mapped IPv6 included).
 */
export interface SourceRule {
  network: string;
  resource: string;
  allowedFrom: string[];
}

export interface SourceAllowList {
  /** The rule for `address`, or undefined when the address is not allowed without a login. */
  match(address: string): SourceRule | undefined;
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\./.test(a);
}

/** A network as written in the config: `loopback`, an address, or CIDR. */
export interface NetworkMatcher {
  readonly network: string;
  /** The narrowest prefix in it (loopback counts as one host). */
  readonly widest: { family: 4 | 6; prefix: number } | undefined;
  has(address: string): boolean;
}

/** Parses `network` (`field` names it in the error: GATEWAY_SOURCE_INVALID). */
export function networkMatcher(network: string, field: string): NetworkMatcher {
  const list = new BlockList();
  let widest: NetworkMatcher['widest'];
  for (const n of network === 'loopback' ? LOOPBACK : [network]) {
    const [addr = '', prefixText] = n.split('/');
    const family = isIP(addr);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new ConfigError({
        code: 'GATEWAY_SOURCE_INVALID',
        field,
        message: `"${n}" is not an address or a network in CIDR form`,
        hint: 'write loopback, an address (192.0.2.10) or a network (192.0.2.0/24)',
      });
    }
    list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
    // Loopback is one host however wide its block.
    if (network !== 'loopback' && (!widest || prefix < widest.prefix)) widest = { family: family as 4 | 6, prefix };
  }
  return {
    network,
    widest,
    has(address) {
      const plain = address.replace(/^::ffff:/i, '');
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

export function buildSourceAllowList(rules: readonly SourceRule[]): SourceAllowList {
  const lists = rules.map((rule, i) => {
    const field = `smtp.allowSources.${i}.network`;
    const matcher = networkMatcher(rule.network, field);
    // Other networks than loopback must be named narrowly.
    const w = matcher.widest;
    if (w && w.prefix < (w.family === 6 ? 48 : 16)) {
      throw new ConfigError({
        code: 'GATEWAY_OPEN_RELAY_REFUSED',
        field,
        message: `${rule.network} is too wide for sending without a login: everything in it could relay through your Microsoft 365 mailbox`,
        hint: "name the devices' own network (at most /16 for IPv4, /48 for IPv6), or give the devices a gateway user",
      });
    }
    return { rule, matcher };
  });
  return {
    match(address) {
      return lists.find(({ matcher }) => matcher.has(address))?.rule;
    },
  };
}
