import { isLoopbackHost } from './loopback.js';
import { CLOUD_HOSTS } from './clouds.js';
import type { Resource } from './resource.js';
import { graphSendScope, scopeHasGraphSend } from './graph-fallback.js';
import { endpointVersion, hasOfflineAccess, scopeResources } from './scopes.js';

/** Something that works but will probably bite: shown, never fatal. */
export interface ResourceWarning { field: string; message: string; hint: string }

const DAY_MS = 86_400_000;
/** Warn this long before a client secret expires: renewing needs an admin and a redeploy. */
const SECRET_EXPIRY_NOTICE_DAYS = 30;

/** Warnings about a valid resource (parseResource has already accepted it). */
export function resourceWarnings(r: Resource, opts: { now?: number } = {}): ResourceWarning[] {
  const now = opts.now ?? Date.now();
  const out: ResourceWarning[] = [];
  const o = r.oauth;
  const microsoftV2 = o !== undefined && endpointVersion(o.tokenUrl) === 'v2';
  if (o && microsoftV2 && o.flow !== 'client_credentials' && !hasOfflineAccess(o.scope)) {
    out.push({
      field: 'oauth.scope',
      message: 'offline_access is missing: no refresh token will be issued, so every hour needs a person',
      hint: 'add offline_access to the scope',
    });
  }
  if (o && o.flow !== 'client_credentials') {
    const graph = `https://${CLOUD_HOSTS[r.cloud ?? 'global'].graph}`;
    const resources = scopeResources(o.scope, microsoftV2 ? graph : undefined);
    // The Graph fallback needs Graph's Mail.Send beside the mail scope: that second resource is meant.
    const meant = r.graphFallback !== undefined && resources.slice(1).every((x) => x === graph);
    if (r.graphFallback && microsoftV2 && !scopeHasGraphSend(o.scope, r.cloud)) {
      out.push({
        field: 'oauth.scope',
        message: `the Graph fallback needs ${graphSendScope(r.cloud)} in the scope, or Graph refuses the token (AADSTS65001)`,
        hint: `run \`mailbridge resource edit ${r.name} --graph-fallback\` (adds it), then \`mailbridge auth ${r.name}\``,
      });
    }
    if (resources.length > 1 && !meant) {
      out.push({
        field: 'oauth.scope',
        message: `the scope names several resources (${resources.join(', ')}; bare names are Graph's): consent covers all, but each token is for the first, ${resources[0]}`,
        hint: 'keep one resource per mail resource, written fully qualified',
      });
    }
  }
  if (o && endpointVersion(o.authorizeUrl) === 'v1' && endpointVersion(o.tokenUrl) === 'v2') {
    out.push({
      field: 'oauth.authorizeUrl',
      message: 'v1 authorize URL with the v2 token URL (the guide\'s Exchange setup): accepted, the scope decides the token',
      hint: 'prefer the v2 authorize URL …/oauth2/v2.0/authorize',
    });
  }
  if (o?.secretExpiresAt) {
    const days = Math.floor((Date.parse(o.secretExpiresAt) - now) / DAY_MS);
    if (days < 0) {
      out.push({ field: 'oauth.secretExpiresAt', message: `the client secret expired on ${o.secretExpiresAt}`, hint: `create a new secret (Certificates & secrets) and run \`mailbridge resource edit ${r.name} --client-secret-stdin\`` });
    } else if (days <= SECRET_EXPIRY_NOTICE_DAYS) {
      out.push({ field: 'oauth.secretExpiresAt', message: `the client secret expires in ${days} day${days === 1 ? '' : 's'} (${o.secretExpiresAt})`, hint: `create a new secret now and update it with \`mailbridge resource edit ${r.name} --client-secret-stdin\`` });
    }
  }
  if (o?.responseMode === 'form_post') {
    const cb = new URL(o.callbackUrl);
    if (!(cb.protocol === 'http:' && isLoopbackHost(cb.hostname) && cb.port)) {
      out.push({
        field: 'oauth.responseMode',
        message: 'form_post sends the code in a POST body, which a pasted redirect URL cannot carry',
        hint: 'use --response-mode query, or a loopback callback with a port (http://localhost:PORT) that mailbridge listens on',
      });
    }
  }
  if ((r.kind === 'imap' || r.kind === 'pop3' || r.kind === 'smtp') && r.authType === 'oauth2' && !r.user) {
    out.push({ field: 'user', message: 'no user: XOAUTH2 needs the mailbox address', hint: 'give --user alice@contoso.onmicrosoft.com' });
  }
  if (r.kind === 'smtp' && !r.from) {
    out.push({ field: 'from', message: 'no From address', hint: 'give --from (the guide sets it to the user\'s address)' });
  }
  if (r.kind === 'ews' && (r.preset === 'm365' || isExchangeOnlineEws(r))) {
    out.push({
      field: 'kind',
      message: 'Exchange Online turns EWS off by default from 2026-10-01 and shuts it down on 2027-04-01',
      hint: 'plan a move to --kind graph (same mailbox, Graph mail API)',
    });
  }
  return out;
}

/**
 * Is this EWS resource on Exchange Online (outlook.office365.com and its national clouds)?
 * There, EWS is off by default from 2026-10-01 for apps not allow-listed and gone on 2027-04-01;
 * Exchange Server on-premises keeps it.
 * https://techcommunity.microsoft.com/blog/exchange/retirement-of-exchange-web-services-in-exchange-online/3924440
 */
export function isExchangeOnlineEws(r: Resource): boolean {
  if (r.kind !== 'ews') return false;
  let host: string;
  try {
    host = new URL(r.server.host).hostname.toLowerCase();
  } catch {
    return false;
  }
  return Object.values(CLOUD_HOSTS).some((c) => host === c.outlook) || host === 'outlook.office.com' || host.endsWith('.outlook.com');
}
