import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose';
import type { EmulatorContext } from './context.js';
import { OAuthError, applicationNotFound, missingParameter } from './errors.js';
import type { App } from './state.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The client the token endpoint is talking to, and how it proved it (the `appidacr` value). */
export interface AuthenticatedClient {
  app: App;
  clientAuth: '0' | '1' | '2';
}

/** RFC 6749 §2.3.1 Basic: `client_id:client_secret`, each form-urlencoded first. */
function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { clientId: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
}

/** The client_id of a token request, from the body or Basic header (for fault matching before auth). */
export function requestClientId(body: Record<string, string>, authorization?: string): string | undefined {
  return body.client_id ?? parseBasic(authorization)?.clientId;
}

/**
 * Authenticate the client of a token request as Microsoft does: public clients must send no
 * credential; confidential ones a secret (body or Basic) or a certificate-signed assertion.
 */
export async function authenticateClient(
  ctx: EmulatorContext,
  req: { body: Record<string, string>; authorization?: string; tokenUrls: string[]; tenantName: string },
): Promise<AuthenticatedClient> {
  const basic = parseBasic(req.authorization);
  const clientId = basic?.clientId ?? req.body.client_id;
  if (!clientId) throw missingParameter('client_id');
  const app = ctx.state.app(clientId);
  if (!app) throw applicationNotFound(clientId, req.tenantName);
  const secret = basic?.secret ?? req.body.client_secret;
  const assertion = req.body.client_assertion;

  if (app.type === 'public') {
    if (secret !== undefined || assertion !== undefined) {
      throw new OAuthError({
        error: 'invalid_client',
        aadsts: 700025,
        text: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      });
    }
    return { app, clientAuth: '0' };
  }
  if (assertion !== undefined) {
    await verifyClientAssertion(app, assertion, req.body.client_assertion_type, req.tokenUrls, ctx.now());
    return { app, clientAuth: '2' };
  }
  if (secret === undefined) {
    throw new OAuthError({
      error: 'invalid_client',
      aadsts: 7000218,
      text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    });
  }
  checkSecret(app, secret, ctx.now());
  return { app, clientAuth: '1' };
}

function checkSecret(app: App, secret: string, nowMs: number): void {
  const match = app.secrets.find((s) => s.value === secret);
  if (!match) {
    throw new OAuthError({
      error: 'invalid_client',
      aadsts: 7000215,
      text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
    });
  }
  if (match.expiresAt && Date.parse(match.expiresAt) <= nowMs) {
    throw new OAuthError({
      error: 'invalid_client',
      aadsts: 7000222,
      text: `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    });
  }
}

function assertionError(aadsts: number, text: string): OAuthError {
  return new OAuthError({ error: 'invalid_client', aadsts, text });
}

/**
 * private_key_jwt (RFC 7523): the assertion must be signed by the key of a certificate
 * registered on the app (picked by `x5t`/`x5t#S256`, else tried in turn), with
 * iss = sub = client_id, aud = the token endpoint URL, and be within its validity time.
 */
async function verifyClientAssertion(app: App, assertion: string, type: string | undefined, tokenUrls: string[], nowMs: number): Promise<void> {
  if (type !== JWT_BEARER) {
    throw new OAuthError({
      error: 'invalid_request',
      aadsts: 9002313,
      text: `Invalid request. Request is malformed or invalid. client_assertion_type must be '${JWT_BEARER}'.`,
    });
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw assertionError(700027, 'Client assertion failed signature validation. The assertion is not a JWT.');
  }
  const certs = app.certificates.map((c) => new X509Certificate(c.pem));
  const thumbs = (c: X509Certificate) => ({
    x5t: Buffer.from(c.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'),
    x5tS256: Buffer.from(c.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url'),
  });
  const named = header.x5t ?? (header['x5t#S256'] as string | undefined);
  const candidates = named ? certs.filter((c) => [thumbs(c).x5t, thumbs(c).x5tS256].includes(named)) : certs;
  if (candidates.length === 0) {
    throw assertionError(700027, `Client assertion failed signature validation. The key was not found. The certificate with identifier used to sign the client assertion is not registered on application '${app.clientId}'.`);
  }
  for (const cert of candidates) {
    try {
      await jwtVerify(assertion, cert.publicKey, {
        issuer: app.clientId, subject: app.clientId, audience: tokenUrls, currentDate: new Date(nowMs), clockTolerance: 300,
      });
      return;
    } catch (e) {
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      if (e instanceof joseErrors.JWTExpired) throw assertionError(700024, 'Client assertion is not within its valid time range.');
      if (e instanceof joseErrors.JWTClaimValidationFailed) {
        if (e.claim === 'aud') throw assertionError(50013, 'Assertion failed signature validation. [Reason - The audience claim of the assertion does not match the token endpoint.]');
        if (e.claim === 'iss' || e.claim === 'sub') throw assertionError(700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds.");
        throw assertionError(700024, 'Client assertion is not within its valid time range.');
      }
      throw assertionError(700027, 'Client assertion failed signature validation.');
    }
  }
  throw assertionError(700027, 'Client assertion failed signature validation.');
}
