import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readResponsePrefix } from '../limits.js';
import { netFetch } from '../net/fetch.js';

/** OpenID metadata is a few KB; a larger answer is not an identity platform's. */
const METADATA_MAX_BYTES = 1024 * 1024;

/**
 * Microsoft's OpenID Connect metadata names the Graph host of the authority's cloud
 * (`msgraph_host`: graph.microsoft.com, graph.microsoft.us, microsoftgraph.chinacloudapi.cn),
 * https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#fetch-the-openid-configuration-document
 * For an authority that is not one of Microsoft's clouds (the sandbox, a test identity
 * server) it is the only way to know where its Graph lives.
 */
const metadataSchema = z.object({ msgraph_host: z.string().min(1).optional() }).loose();

/** `…/{tenant}/oauth2/v2.0/token` → `…/{tenant}/v2.0/.well-known/openid-configuration`. */
export function openIdConfigurationUrl(tokenUrl: string): string | undefined {
  const m = /^(.*)\/oauth2\/v2\.0\/token\/?$/.exec(tokenUrl);
  return m ? `${m[1]}/v2.0/.well-known/openid-configuration` : undefined;
}

/** The authority's Graph base URL (`https://{msgraph_host}`), or undefined when the metadata names none. */
export async function discoverGraphBaseUrl(tokenUrl: string, doFetch: typeof fetch = netFetch()): Promise<string | undefined> {
  const url = openIdConfigurationUrl(tokenUrl);
  if (!url) return undefined;
  let body: unknown;
  try {
    const res = await doFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return undefined;
    const { text, cut } = await readResponsePrefix(res, METADATA_MAX_BYTES);
    if (cut) throw new Error(`the answer is larger than ${METADATA_MAX_BYTES} bytes`);
    body = JSON.parse(text);
  } catch (e) {
    throw new ConfigError({
      code: 'GRAPH_FALLBACK_URL_UNKNOWN', field: 'graphFallback.baseUrl',
      message: `cannot read ${url} to find this authority's Graph host: ${e instanceof Error ? e.message : String(e)}`,
      hint: 'start the identity endpoint (e.g. `mailbridge sandbox`), or give the Graph URL: --graph-fallback https://HOST:PORT',
      cause: e,
    });
  }
  const parsed = metadataSchema.safeParse(body);
  const host = parsed.success ? parsed.data.msgraph_host : undefined;
  return host ? `https://${host.replace(/\/+$/, '')}` : undefined;
}

/**
 * Whether the authority knows the tenant of a token URL, asked through its OpenID metadata
 * before a browser is sent there: for an unknown tenant the identity platform answers
 * AADSTS90002 on its own pages, where a person has no way back. `unknown` carries Microsoft's
 * words; `unsure` means the answer said nothing either way (unreachable, another error, no v2
 * token URL), and the consent goes ahead as before.
 */
export async function checkTenantKnown(
  tokenUrl: string,
  doFetch: typeof fetch = netFetch(),
): Promise<{ known: 'yes' | 'unsure' } | { known: 'no'; description: string }> {
  const url = openIdConfigurationUrl(tokenUrl);
  if (!url) return { known: 'unsure' };
  try {
    const res = await doFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
    if (res.ok) return { known: 'yes' };
    const { text } = await readResponsePrefix(res, 64 * 1024);
    const body = z.object({ error_description: z.string().optional() }).loose().safeParse(JSON.parse(text));
    const description = body.success ? (body.data.error_description ?? '') : '';
    return /AADSTS90002\b/.test(description) ? { known: 'no', description: description.split(/\r?\n/)[0] ?? description } : { known: 'unsure' };
  } catch {
    return { known: 'unsure' };
  }
}
