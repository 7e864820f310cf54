import { createHash, createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
import type { Resource } from '../config/resource.js';
import { AuthError, ConfigError } from '../errors.js';
import type { ResourceStore } from '../store/store.js';

/**
 * Client authentication at the token endpoint (RFC 6749 §2.3; RFC 7523 for assertions):
 * `client_secret_post` with the sealed secret, `private_key_jwt` with an assertion signed by
 * the resource's certificate key (what Microsoft recommends over secrets), or nothing for a
 * public client (sending a credential there is AADSTS700025).
 */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Microsoft accepts assertions up to 10 minutes long; shorter is not better for us. */
const ASSERTION_LIFETIME_S = 600;

export interface ClientAssertionInput {
  clientId: string;
  /** The assertion's audience: the token endpoint it is sent to. */
  tokenUrl: string;
  privateKeyPem: string;
  certificatePem: string;
  now?: () => number;
}

/** A signed client assertion JWT (RS256, x5t and x5t#S256 thumbprints of the certificate). */
export async function createClientAssertion(input: ClientAssertionInput): Promise<string> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(input.certificatePem);
  } catch (e) {
    throw new ConfigError({ code: 'CERTIFICATE_INVALID', field: 'oauth.certificate.certFile', cause: e,
      message: 'the certificate file is not a PEM X.509 certificate', hint: 'point certFile at the PEM certificate uploaded to the app registration' });
  }
  let key;
  try {
    key = createPrivateKey(input.privateKeyPem);
  } catch (e) {
    throw new ConfigError({ code: 'CERTIFICATE_KEY_INVALID', field: 'oauth.certificate.keyFile', cause: e,
      message: 'the key file is not a readable PEM private key (encrypted keys are not supported)',
      hint: 'point keyFile at the unencrypted PEM private key of the certificate' });
  }
  // Entra finds the certificate by its thumbprint; x5t (SHA-1) is what it documents,
  // x5t#S256 what newer guidance asks for. Send both.
  const x5t = createHash('sha1').update(cert.raw).digest('base64url');
  const x5tS256 = createHash('sha256').update(cert.raw).digest('base64url');
  const nowS = Math.floor((input.now ?? Date.now)() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t, 'x5t#S256': x5tS256 })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.tokenUrl)
    .setJti(randomUUID())
    .setNotBefore(nowS)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + ASSERTION_LIFETIME_S)
    .sign(key);
}

/** The form fields that authenticate the client of `resource` at `tokenUrl`. */
export async function clientAuthenticationParams(
  resource: Resource, store: Pick<ResourceStore, 'getSecret'>, tokenUrl: string, now?: () => number,
): Promise<Record<string, string>> {
  const oauth = requireOAuth(resource);
  switch (oauth.clientAuth) {
    case 'none':
      return {};
    case 'secret': {
      const secret = await store.getSecret(resource.name, 'client_secret');
      if (!secret) {
        throw new AuthError({ code: 'CLIENT_SECRET_MISSING', field: 'oauth.clientSecret',
          message: `resource ${resource.name} has no client secret stored`,
          hint: `store the secret Value from Certificates & secrets in resource ${resource.name}` });
      }
      return { client_secret: secret.reveal() };
    }
    case 'certificate': {
      const c = oauth.certificate;
      if (!c) {
        throw new ConfigError({ code: 'CERTIFICATE_MISSING', field: 'oauth.certificate',
          message: `resource ${resource.name} uses certificate authentication without a certificate`,
          hint: 'set oauth.certificate.keyFile and certFile' });
      }
      const [privateKeyPem, certificatePem] = await Promise.all([readPem(c.keyFile, 'keyFile'), readPem(c.certFile, 'certFile')]);
      const assertion = await createClientAssertion({
        clientId: oauth.clientId, tokenUrl, privateKeyPem, certificatePem, ...(now ? { now } : {}),
      });
      return { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
    }
  }
}

async function readPem(path: string, field: 'keyFile' | 'certFile'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError({ code: 'CERTIFICATE_FILE_UNREADABLE', field: `oauth.certificate.${field}`, cause: e,
      message: `cannot read ${field} ${path}`, hint: `check the path and permissions of the ${field}` });
  }
}

/** The OAuth settings of a resource, or a ConfigError saying it does not use OAuth. */
export function requireOAuth(resource: Resource): NonNullable<Resource['oauth']> {
  if (resource.authType !== 'oauth2' || !resource.oauth) {
    throw new ConfigError({ code: 'RESOURCE_NOT_OAUTH', field: 'authType',
      message: `resource ${resource.name} does not use OAuth 2.0 (authType ${resource.authType})`,
      hint: 'set authType to oauth2 with the oauth settings, or use a basic-auth command' });
  }
  return resource.oauth;
}
