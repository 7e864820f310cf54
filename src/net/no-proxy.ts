import { BlockList, isIP } from 'node:net';

/**
 * NO_PROXY matching, by the rules curl and Go share: a comma (or space) separated list where
 * `*` matches every host; `example.com` and `.example.com` (and `*.example.com`) match that
 * domain and every name under it; an entry may name a port (`example.com:8443`) and then
 * matches that port only; IP addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`) match
 * literal addresses. Written here rather than taken from proxy-from-env, which matches a plain
 * entry exactly (not its subdomains), knows no CIDR, and reads the environment itself.
 */
export function matchesNoProxy(host: string, port: number, noProxy: string): boolean {
  const h = unbracket(host.toLowerCase()).replace(/\.$/, '');
  for (const raw of noProxy.toLowerCase().split(/[,\s]+/)) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry === '*') return true;
    const { name, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (name.includes('/')) {
      if (inCidr(h, name)) return true;
      continue;
    }
    const domain = unbracket(name)
      .replace(/^\*?\./, '')
      .replace(/\.$/, '');
    if (!domain) continue;
    if (h === domain || (isIP(h) === 0 && h.endsWith(`.${domain}`))) return true;
  }
  return false;
}

function unbracket(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** `host:port`, `[v6]:port`, or a bare name / address / CIDR (a bare IPv6 address has colons but no port). */
function splitPort(entry: string): { name: string; entryPort?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return { name: v6[1] ?? '', ...(v6[2] ? { entryPort: Number(v6[2]) } : {}) };
  const m = /^([^:]+):(\d+)$/.exec(entry);
  if (m) return { name: m[1] ?? '', entryPort: Number(m[2]) };
  return { name: entry };
}

function inCidr(host: string, cidr: string): boolean {
  const family = isIP(host);
  if (family === 0) return false;
  const [net, bits] = cidr.split('/');
  const netFamily = isIP(net ?? '');
  if (netFamily !== family || !net || !/^\d+$/.test(bits ?? '')) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  try {
    list.addSubnet(net, Number(bits), type);
  } catch {
    return false;
  }
  return list.check(host, type);
}
