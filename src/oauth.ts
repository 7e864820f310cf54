/**
 * The OAuth 2.0 steps behind {@link TokenManager}, for applications that drive sign-in themselves: the
 * authorization code grant with PKCE (RFC 6749 section 4.1, RFC 7636), the device authorization grant (RFC 8628), the
 * client credentials grant (RFC 6749 section 4.4) and refresh (RFC 6749 section 6), as the Microsoft identity platform
 * implements them (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
 *
 * Most applications only need {@link authorize} (the whole consent, as `mailbridge auth` runs it) and the
 * {@link TokenManager}.
 *
 * @packageDocumentation
 */
export { TokenManager } from './auth/token-manager.js';
export type { AccessToken, GetAccessTokenOptions, TokenCheck, TokenManagerOptions, TokenStatusReport } from './auth/token-manager.js';
export type { AccessTokenProvider } from './auth/token-provider.js';
export { authorize } from './auth/consent.js';
export type { AuthorizeOptions, AuthorizeResult, ConsentIO, ConsentMode, ConsentVia } from './auth/consent.js';
export {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
  CONSENT_TTL_MS,
} from './auth/authorization-code.js';
export type { AuthorizationRequest, AuthorizationResponseParams } from './auth/authorization-code.js';
export { pollDeviceAccessToken, requestDeviceAuthorization, DEVICE_CODE_GRANT_TYPE } from './auth/device-code.js';
export type { DeviceAuthorization } from './auth/device-code.js';
export { requestClientCredentialsToken } from './auth/client-credentials.js';
export { refreshAccessToken } from './auth/refresh.js';
export { createPkcePair, s256Challenge, type PkcePair } from './auth/pkce.js';
export { startCallbackListener, isLoopbackCallback, type CallbackListener } from './auth/callback-listener.js';
export { decodeAccessTokenClaims, checkTokenFitsProtocol, type TokenClaims, type TokenFitness } from './auth/claims.js';
export { lookupAadsts, aadstsCatalogue, type AadstsEntry, type StatusEffect } from './auth/errors-catalogue.js';
export { TokenEndpointError } from './auth/token-endpoint.js';
export type { RetryPolicy as TokenRetryPolicy, TokenEndpointDeps, TokenResponse, TokenWait } from './auth/token-endpoint.js';
