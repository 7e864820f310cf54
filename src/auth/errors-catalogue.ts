import type { RefreshTokenStatus } from '../config/resource.js';

/**
 * AADSTS codes a mail integration meets, each with a plain message, the fix, and what the
 * failure means for the stored refresh token when it comes back from a refresh.
 *
 * Status decisions (why, in short):
 * - `Expired`: the refresh token aged out (inactivity 700082, 70008, sign-in frequency
 *   70043, SPA 24 h 700084). A new consent is the only way back.
 * - `Revoked`: the grant was withdrawn (50173 tokens revoked, 70000 token not valid, user
 *   disabled 50057, password expired 50055). Same fix, different cause worth showing.
 * - `ConsentRequired`: a person has to go through an interactive sign-in: missing consent
 *   (65001, 65004), MFA (50076, 50079), and Conditional Access blocks (53003). We put CA
 *   here rather than Revoked because the token itself is fine: the interactive sign-in
 *   from a compliant place/device is what clears it, and the hint says to ask the admin.
 * - `InvalidClient`: the app registration or its credential is wrong (secret wrong or
 *   expired, app not found, public client with a secret, no credential). It is an app-level
 *   problem: every resource of that app shows it, and re-consenting does not help.
 * - `unchanged`: the request was wrong (bad scope, resource, tenant, redirect URI,
 *   malformed request) or the failure is transient (throttling, loop detection). The
 *   stored refresh token is still good; fix the resource or wait, and it works again.
 *   This is what keeps healthy tokens from being parked (peers.md pain point 3).
 */
export type StatusEffect = RefreshTokenStatus | 'unchanged';

/** One AADSTS error code of the catalogue: its meaning, the fix, and what it does to the refresh token status. */
export interface AadstsEntry {
  /** `AADSTS700082` */
  code: string;
  /** Microsoft's name for it. */
  name: string;
  message: string;
  hint: string;
  /** What a refresh failing with this code does to the refresh token status. */
  onRefresh: StatusEffect;
  /** Worth retrying later without any change (throttling, loops). */
  transient?: boolean;
}

const REAUTH = 'run `mailbridge auth RESOURCE` to sign in and consent again';

const ENTRIES: AadstsEntry[] = [
  { code: 'AADSTS50011', name: 'InvalidReplyTo', onRefresh: 'unchanged',
    message: 'the redirect URI does not match any reply URL registered for the app',
    hint: 'register the exact callback URL (e.g. https://localhost) under Authentication > Redirect URIs of the app, or set the resource callback URL to a registered one' },
  { code: 'AADSTS50055', name: 'InvalidPasswordExpiredPassword', onRefresh: 'Revoked',
    message: "the user's password has expired", hint: `reset the password, then ${REAUTH}` },
  { code: 'AADSTS50057', name: 'UserDisabled', onRefresh: 'Revoked',
    message: 'the user account is disabled', hint: `ask an administrator to enable the account, then ${REAUTH}` },
  { code: 'AADSTS50058', name: 'UserInformationNotProvided', onRefresh: 'ConsentRequired',
    message: 'a silent sign-in was not possible (no session)', hint: REAUTH },
  { code: 'AADSTS50076', name: 'UserStrongAuthClientAuthNRequired', onRefresh: 'ConsentRequired',
    message: 'multi-factor authentication is required (Conditional Access, per-user MFA or a new location)',
    hint: `${REAUTH} and complete the MFA prompt` },
  { code: 'AADSTS50079', name: 'UserStrongAuthEnrollmentRequired', onRefresh: 'ConsentRequired',
    message: 'the user must register for multi-factor authentication',
    hint: `${REAUTH}; register the security info when asked (https://aka.ms/mysecurityinfo)` },
  { code: 'AADSTS50126', name: 'InvalidUserNameOrPassword', onRefresh: 'unchanged',
    message: 'the user name or password is wrong', hint: 'sign in again with the right user name and password' },
  { code: 'AADSTS50173', name: 'FreshTokenNeeded', onRefresh: 'Revoked',
    message: 'the refresh token was revoked (an admin or the user revoked sessions, or the password changed)',
    hint: REAUTH },
  { code: 'AADSTS50196', name: 'LoopDetected', onRefresh: 'unchanged', transient: true,
    message: 'Microsoft saw too many identical token requests', hint: 'wait a minute; mailbridge caches tokens, so check that no other tool shares this app in a loop' },
  { code: 'AADSTS53003', name: 'BlockedByConditionalAccess', onRefresh: 'ConsentRequired',
    message: 'a Conditional Access policy blocked the sign-in',
    hint: 'ask the tenant administrator which policy applies (Entra sign-in logs, by correlation id), then sign in from a compliant device/location with `mailbridge auth RESOURCE`' },
  { code: 'AADSTS54005', name: 'AuthorizationCodeAlreadyRedeemed', onRefresh: 'unchanged',
    message: 'the authorization code was already redeemed', hint: 'codes work once: run `mailbridge auth RESOURCE` again for a new one' },
  { code: 'AADSTS65001', name: 'DelegationDoesNotExist', onRefresh: 'ConsentRequired',
    message: 'the user or an administrator has not consented to the permissions the app asks for',
    hint: `${REAUTH} and accept the consent page, or have an administrator grant consent for the tenant` },
  { code: 'AADSTS65004', name: 'UserDeclinedConsent', onRefresh: 'ConsentRequired',
    message: 'the user declined to consent', hint: `${REAUTH} and accept the permissions` },
  { code: 'AADSTS70000', name: 'InvalidGrant', onRefresh: 'Revoked',
    message: 'the grant (refresh token or authorization code) is not valid', hint: REAUTH },
  { code: 'AADSTS70002', name: 'InvalidClient', onRefresh: 'InvalidClient',
    message: 'the client credentials are not valid', hint: 'check the client id and client secret of the resource' },
  { code: 'AADSTS70008', name: 'ExpiredOrRevokedGrant', onRefresh: 'Expired',
    message: 'the refresh token or authorization code has expired', hint: REAUTH },
  { code: 'AADSTS70011', name: 'InvalidScope', onRefresh: 'unchanged',
    message: 'the scope is not valid (unknown, or mixing resources in one token request)',
    hint: 'use scopes of one resource per token, fully qualified, e.g. `https://outlook.office365.com/IMAP.AccessAsUser.All offline_access`' },
  { code: 'AADSTS70016', name: 'AuthorizationPending', onRefresh: 'unchanged', transient: true,
    message: 'the user has not finished the device sign-in yet', hint: 'finish the sign-in on the device login page' },
  { code: 'AADSTS70019', name: 'CodeExpired', onRefresh: 'unchanged',
    message: 'the device code expired before the sign-in was finished', hint: 'run `mailbridge auth RESOURCE --device` again and finish within 15 minutes' },
  { code: 'AADSTS70043', name: 'BadTokenDueToSignInFrequency', onRefresh: 'Expired',
    message: 'a Conditional Access sign-in frequency policy ended the session', hint: `${REAUTH}; the policy decides how often` },
  { code: 'AADSTS700016', name: 'UnauthorizedClient_DoesNotMatchRequest', onRefresh: 'InvalidClient',
    message: 'the application (client id) was not found in the tenant',
    hint: 'check the client id and the tenant id of the resource (App registrations > Overview)' },
  { code: 'AADSTS700025', name: 'InvalidClientPublicClientWithCredential', onRefresh: 'InvalidClient',
    message: 'a public client sent a client secret or assertion',
    hint: 'set the resource client authentication to none, or turn off "Allow public client flows" for a confidential app' },
  { code: 'AADSTS700027', name: 'InvalidClientAssertionSignature', onRefresh: 'InvalidClient',
    message: 'the client assertion failed signature validation',
    hint: 'upload the certificate matching the resource key file under Certificates & secrets' },
  { code: 'AADSTS700082', name: 'ExpiredOrRevokedGrantInactiveToken', onRefresh: 'Expired',
    message: 'the refresh token expired after 90 days without use', hint: REAUTH },
  { code: 'AADSTS700084', name: 'SpaRefreshTokenExpired', onRefresh: 'Expired',
    message: 'the single-page-app refresh token reached its 24 hour lifetime',
    hint: `register the callback under the Web platform rather than SPA, then ${REAUTH}` },
  { code: 'AADSTS7000215', name: 'InvalidClientSecretProvided', onRefresh: 'InvalidClient',
    message: 'the client secret is not valid',
    hint: 'store the secret *Value* from Certificates & secrets, not the Secret ID' },
  { code: 'AADSTS7000218', name: 'MissingClientCredential', onRefresh: 'InvalidClient',
    message: 'the request has no client_secret or client_assertion',
    hint: 'store the client secret of the resource, or enable "Allow public client flows" for device code' },
  { code: 'AADSTS7000222', name: 'InvalidClientSecretExpiredKeysProvided', onRefresh: 'InvalidClient',
    message: 'the client secret has expired',
    hint: 'create a new client secret under Certificates & secrets and store it in the resource (or switch to a certificate)' },
  { code: 'AADSTS90002', name: 'InvalidTenantName', onRefresh: 'unchanged',
    message: 'the tenant was not found', hint: 'check the tenant id or domain in the authorize/token URLs and the cloud (global, GCC High, China)' },
  { code: 'AADSTS90055', name: 'TenantThrottlingError', onRefresh: 'unchanged', transient: true,
    message: 'the tenant is being throttled', hint: 'wait and retry; reduce token requests' },
  { code: 'AADSTS500011', name: 'InvalidResourceServicePrincipalNotFound', onRefresh: 'unchanged',
    message: 'the resource in the scope was not found in the tenant',
    hint: 'check the scope resource URL (e.g. https://outlook.office365.com) for typos, and that the tenant has Exchange Online' },
  { code: 'AADSTS501481', name: 'InvalidCodeVerifier', onRefresh: 'unchanged',
    message: 'the PKCE code verifier does not match the code challenge', hint: 'run `mailbridge auth RESOURCE` again' },
  { code: 'AADSTS9002313', name: 'InvalidRequest', onRefresh: 'unchanged',
    message: 'the request was malformed or invalid', hint: 'check the resource URLs and parameters (run with MAILBRIDGE_LOG=debug)' },
  { code: 'AADSTS900144', name: 'MissingRequiredParameter', onRefresh: 'unchanged',
    message: 'the request lacks a required parameter', hint: 'check the resource scope, client id and URLs' },
  { code: 'AADSTS901002', name: 'ResourceParameterNotSupported', onRefresh: 'unchanged',
    message: "the v2.0 endpoint does not accept the 'resource' parameter",
    hint: 'use a v2 URL with `scope`, or a v1 URL (without /v2.0) with `resource`' },
];

const BY_CODE = new Map(ENTRIES.map((e) => [e.code, e]));

/** Normalise `700082`, `AADSTS700082` or a description starting with it to `AADSTS700082`. */
export function normaliseAadstsCode(input: string | number): string | undefined {
  const m = /(?:AADSTS)?(\d{5,7})/i.exec(String(input));
  return m ? `AADSTS${m[1]}` : undefined;
}

/** The catalogue entry for an AADSTS code (`AADSTS700082`, `700082` or a description naming it), if mailbridge knows it. */
export function lookupAadsts(code: string | number): AadstsEntry | undefined {
  const normal = normaliseAadstsCode(code);
  return normal ? BY_CODE.get(normal) : undefined;
}

/** Every entry, for `doctor` and docs. */
export function aadstsCatalogue(): readonly AadstsEntry[] {
  return ENTRIES;
}

/**
 * What a failed refresh does to the status, from the AADSTS code when we know it, else from
 * the OAuth `error`. An unknown `invalid_grant` counts as Revoked (Microsoft refused the
 * refresh token for good); unknown other errors leave the status alone.
 */
export function refreshStatusEffect(error: string, code: string | undefined): StatusEffect {
  const entry = code ? lookupAadsts(code) : undefined;
  if (entry) return entry.onRefresh;
  switch (error) {
    case 'invalid_grant': return 'Revoked';
    case 'invalid_client':
    case 'unauthorized_client': return 'InvalidClient';
    case 'interaction_required':
    case 'consent_required': return 'ConsentRequired';
    default: return 'unchanged';
  }
}

/** The hint for an OAuth `error` without a known AADSTS code. */
export function hintForOAuthError(error: string): string {
  switch (error) {
    case 'invalid_grant': return REAUTH;
    case 'invalid_client':
    case 'unauthorized_client': return 'check the client id, tenant and client secret/certificate of the resource';
    case 'interaction_required':
    case 'consent_required': return REAUTH;
    case 'invalid_scope': return 'fix the scope of the resource (one resource per token, fully qualified)';
    case 'access_denied': return `${REAUTH} and accept the consent page`;
    case 'temporarily_unavailable':
    case 'server_error': return 'Microsoft is unavailable; retry in a few minutes';
    default: return 'check the resource settings (run with MAILBRIDGE_LOG=debug for the full answer)';
  }
}
