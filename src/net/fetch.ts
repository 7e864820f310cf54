import { readFile } from 'node:fs/promises';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { ConfigError } from '../errors.js';
import { proxyErrorFrom } from './errors.js';
import { proxyFor, targetOfUrl, type ProxyRoute, type ProxySetting } from './proxy.js';
import { caList, proxyCa } from './trust.js';

/**
 * The `fetch` every HTTP call of mailbridge makes that is not Graph or EWS (token endpoint,
 * device code, OpenID discovery, trigger webhooks): Node's fetch with a dispatcher chosen per
 * URL by proxyFor: direct, or undici's ProxyAgent (CONNECT tunnel, Basic credentials, the
 * proxy's CA). The undici package is pinned to 6.x, the major Node 20 bundles for its fetch. The resource's CA file is trusted
 * too (its identity endpoint may be private), and a proxy's failure becomes a typed error.
 */

/** What shapes the fetch of one resource (or of none: webhooks, discovery). */
export interface NetFetchOptions {
  /** The resource's `proxy` setting (none, a URL, or absent: the environment decides). */
  proxy?: ProxySetting;
  /** The resource's tls.caFile, trusted in addition to the system roots. */
  caFile?: string;
}

const dispatchers = new Map<string, Dispatcher>();

async function readCaFile(caFile: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(caFile, 'utf8');
  } catch (cause) {
    throw new ConfigError({
      code: 'TLS_CA_FILE_UNREADABLE',
      field: 'tls.caFile',
      cause,
      message: `cannot read the CA file ${caFile}`,
      hint: 'point tls.caFile at a readable PEM file holding the CA certificate that signed the server certificate',
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError({
      code: 'TLS_CA_FILE_INVALID',
      field: 'tls.caFile',
      message: `${caFile} holds no PEM certificate`,
      hint: 'tls.caFile must be a PEM file starting with -----BEGIN CERTIFICATE-----',
    });
  }
  return pem;
}

/** One dispatcher per (proxy, CA) pair, kept for the process: each holds a keep-alive pool. */
async function dispatcherFor(
  route: ProxyRoute | undefined,
  caFile: string | undefined,
): Promise<Dispatcher | undefined> {
  const resourceCa = caFile ? await readCaFile(caFile) : undefined;
  const pCa = route ? proxyCa() : undefined;
  if (!route && !resourceCa) return undefined;
  const key = `${route?.url.reveal() ?? ''}\n${caFile ?? ''}\n${pCa ? 'proxy-ca' : ''}`;
  let d = dispatchers.get(key);
  if (d) return d;
  const requestTls =
    resourceCa || pCa
      ? { ca: caList(resourceCa, pCa), minVersion: 'TLSv1.2' as const }
      : { minVersion: 'TLSv1.2' as const };
  d = route
    ? new ProxyAgent({
        uri: route.origin,
        ...(route.authorization ? { token: route.authorization.reveal() } : {}),
        requestTls,
        ...(route.origin.startsWith('https:') ? { proxyTls: { ca: caList(pCa) } } : {}),
      })
    : new Agent({ connect: requestTls });
  dispatchers.set(key, d);
  return d;
}

/** A fetch that goes through the proxy the URL calls for. */
export function netFetch(opts: NetFetchOptions = {}): typeof fetch {
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const route = proxyFor(targetOfUrl(url), opts.proxy);
    const dispatcher = await dispatcherFor(route, url.protocol === 'https:' ? opts.caFile : undefined);
    try {
      // Node's own fetch is undici's (6.x in Node 20) and takes a dispatcher of the same major in
      // `init.dispatcher` (https://undici.nodejs.org/#/docs/api/Fetch): the answer stays a global Response.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the same Dispatcher interface (undici 6), typed by undici-types in @types/node
      return await fetch(input, { ...init, ...(dispatcher ? { dispatcher } : {}) });
    } catch (e) {
      throw proxyErrorFrom(route, url.host, e) ?? e;
    }
  };
  return f;
}

/** The proxy a URL would go through (for messages and `doctor`), without credentials. */
export function proxyDisplayFor(url: string, setting?: ProxySetting): string | undefined {
  const route = proxyFor(targetOfUrl(new URL(url)), setting);
  return route ? `${route.display} (${route.source})` : undefined;
}
