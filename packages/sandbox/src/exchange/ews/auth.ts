import type { TokenRefusal } from '../contract.js';

/**
 * How Exchange Online's front end refuses a request before EWS runs: HTTP 401 with
 * x-ms-diagnostics and a Bearer challenge naming Exchange's resource app (microsoft.md §4.3b).
 */

/** Exchange Online's resource app id, which the challenge names as client_id. */
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

export const WWW_AUTHENTICATE = `Bearer client_id="${EXCHANGE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"`;

const DIAGNOSTICS: Record<TokenRefusal, string> = {
  missing: '2000001;reason="The token is missing or the Authorization header is not Bearer.";error_category="invalid_token"',
  malformed: '2000001;reason="The token is malformed.";error_category="invalid_token"',
  bad_signature: '2000001;reason="The token signature is invalid.";error_category="invalid_signature"',
  expired: '2000008;reason="The token has expired.";error_category="invalid_token"',
  wrong_audience: `2000003;reason="The audience claim value is invalid 'aud'.";error_category="invalid_resource"`,
  wrong_tenant: `2000004;reason="The tenant for the token's tenant guid does not exist.";error_category="invalid_tenant"`,
  insufficient_scope: '2000005;reason="The token does not carry EWS.AccessAsUser.All (delegated) or full_access_as_app (application).";error_category="insufficient_scope"',
  no_mailbox_permission: '2000006;reason="The application has no permission on the requested mailbox.";error_category="invalid_grant"',
};

export interface HttpRefusal {
  status: number;
  headers: Record<string, string>;
}

export function tokenRefusal(reason: TokenRefusal): HttpRefusal {
  return { status: 401, headers: { 'www-authenticate': WWW_AUTHENTICATE, 'x-ms-diagnostics': DIAGNOSTICS[reason] } };
}

/**
 * EWS switched off for the tenant or the app (EWSEnabled, EWSAllowedAppIDs), or retired in
 * Exchange Online (settings.ts ewsAccess applies the dates). Exchange's exact answer is
 * unverified (microsoft.md §4.4); we answer 403 Forbidden, which EWS has long returned for a
 * mailbox with EWSEnabled false, with the reason in x-ms-diagnostics so a client can tell the
 * cases apart: 2000010 disabled, 2000011 app not allow-listed, 2000012 retired.
 */
export function ewsBlocked(access: 'disabled' | 'not_allowed' | 'retired', appId: string): HttpRefusal {
  const [code, reason, category] = {
    disabled: [2000010, 'EWS is disabled for this organization or mailbox (EWSEnabled is False; unset counts as False from 2026-10-01).', 'ews_disabled'],
    not_allowed: [2000011, `The application ${appId} is not in the organization's EWSAllowedAppIDs.`, 'ews_app_not_allowed'],
    retired: [2000012, 'Exchange Web Services was retired in Exchange Online on 2027-04-01; use Microsoft Graph.', 'ews_retired'],
  }[access];
  return { status: 403, headers: { 'x-ms-diagnostics': `${code};reason="${reason}";error_category="${category}"` } };
}
/** The Bearer token of an Authorization header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
