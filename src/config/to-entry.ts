import { CLOUD_HOSTS } from './clouds.js';
import type { PresetInput } from './entry.js';
import { applyPreset } from './presets.js';
import type { Resource, ResourceInput } from './resource.js';
import { endpointVersion } from './scopes.js';

/**
 * The short form of a stored resource: its preset and base values, plus only the fields that
 * differ from what the preset derives. `resource export` writes this, and `resource edit`
 * applies changes to it and runs the preset again, so changing the tenant also changes the
 * URLs derived from it (while a URL the user set by hand stays as set).
 */
export function resourceToEntry(r: Resource): PresetInput {
  const full = flatten(r);
  if (r.preset === 'generic' || !r.oauth) return prune(full);
  const base: PresetInput = {
    name: r.name,
    kind: r.kind,
    preset: r.preset,
    ...(r.cloud && r.cloud !== 'global' ? { cloud: r.cloud } : {}),
    tenantId: r.oauth.tenantId,
    clientId: r.oauth.clientId,
    ...(r.oauth.flow !== 'authorization_code' ? { flow: r.oauth.flow } : {}),
    ...(r.user !== undefined ? { user: r.user } : {}),
    ...inferAuthority(r),
    ...(r.kind === 'ews' && endpointVersion(r.oauth.authorizeUrl) === 'v1' ? { ewsV1: true } : {}),
    // Derive with the fallback on, so its scope and its cloud's Graph URL count as the preset's.
    ...(r.graphFallback ? { graphFallback: {} } : {}),
  };
  let derived: PresetInput;
  try {
    derived = flattenInput(applyPreset(base));
  } catch {
    return prune(full);
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(full)) {
    if (key in out && key !== 'graphFallback') continue;
    if (JSON.stringify(value) !== JSON.stringify((derived as Record<string, unknown>)[key])) out[key] = value;
  }
  return prune(out as PresetInput);
}

/** Every setting of a resource in the flat form. */
function flatten(r: Resource): PresetInput {
  return flattenInput(r);
}

function flattenInput(r: ResourceInput): PresetInput {
  const o = r.oauth;
  const tls = r.tls ?? {};
  const tlsOut = {
    ...(tls.caFile ? { caFile: tls.caFile } : {}),
    ...(tls.insecureLoopback ? { insecureLoopback: true } : {}),
    ...(tls.allowPlaintextLoopback ? { allowPlaintextLoopback: true } : {}),
  };
  return {
    name: r.name,
    kind: r.kind,
    preset: r.preset ?? 'generic',
    ...(r.cloud ? { cloud: r.cloud } : {}),
    ...(o ? { tenantId: o.tenantId, clientId: o.clientId, flow: o.flow } : {}),
    ...(r.user !== undefined ? { user: r.user } : {}),
    ...(r.from !== undefined ? { from: r.from } : {}),
    ...(r.server ? { mailHost: r.server.host, port: r.server.port, secure: r.server.secure } : {}),
    ...(r.server?.domain ? { domain: r.server.domain } : {}),
    authType: r.authType,
    ...(o
      ? {
          authorizeUrl: o.authorizeUrl,
          tokenUrl: o.tokenUrl,
          ...(o.deviceCodeUrl ? { deviceCodeUrl: o.deviceCodeUrl } : {}),
          callbackUrl: o.callbackUrl,
          clientAuth: o.clientAuth,
          ...(o.certificate ? { certificate: o.certificate } : {}),
          scope: o.scope,
          ...(o.state ? { state: o.state } : {}),
          responseMode: o.responseMode,
          ...(o.resource ? { resource: o.resource } : {}),
          ...(o.usePkce === false ? { usePkce: false } : {}),
          ...(o.secretExpiresAt ? { secretExpiresAt: o.secretExpiresAt } : {}),
        }
      : {}),
    ...(Object.keys(tlsOut).length ? { tls: tlsOut } : {}),
    ...(r.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: r.rateLimitPerMinute } : {}),
    ...(r.graphFallback ? { graphFallback: { ...r.graphFallback } } : {}),
  };
}

/** A sandbox or test authority shows in the authorize URL before `/{tenant}/oauth2/`. */
function inferAuthority(r: Resource): Pick<PresetInput, 'authorityUrl'> {
  if (!r.oauth) return {};
  const marker = `/${r.oauth.tenantId}/oauth2/`;
  const i = r.oauth.authorizeUrl.indexOf(marker);
  if (i <= 0) return {};
  const authority = r.oauth.authorizeUrl.slice(0, i);
  const standard = `https://${CLOUD_HOSTS[r.cloud ?? 'global'].login}`;
  return authority === standard ? {} : { authorityUrl: authority };
}

function prune(e: PresetInput): PresetInput {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as PresetInput;
}
