import { execFile } from 'node:child_process';
import {
  X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, randomInt, type KeyObject,
} from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT, exportJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { ResourceDef } from './resources.js';
import type { User } from './state.js';

/** The RS256 key that signs every token, with its public JWK as published on the JWKS endpoint. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The certificate's SHA-1 thumbprint (base64url), as Entra's `kid` and `x5t`. */
  kid: string;
  publicJwk: JWK;
}

const run = promisify(execFile);

let inMemory: Promise<SigningKey> | undefined;

/** Read the signing key from `dataDir` (stable kid across restarts) or make one (once per process). */
export async function loadOrCreateSigningKey(dataDir?: string): Promise<SigningKey> {
  if (!dataDir) {
    inMemory ??= generateRsa().then(async (key) => toSigningKey(key, await selfSignedCertificate(key)));
    return inMemory;
  }
  const file = join(dataDir, 'signing-key.pem');
  const certFile = join(dataDir, 'signing-cert.pem');
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(file, 'utf8'));
  } catch {
    key = await generateRsa();
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFile(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  let certPem: string;
  try {
    certPem = await readFile(certFile, 'utf8');
    if (!new X509Certificate(certPem).checkPrivateKey(key)) throw new Error('certificate of another key');
  } catch {
    certPem = await selfSignedCertificate(key);
    await writeFile(certFile, certPem, { mode: 0o644 });
  }
  return toSigningKey(key, certPem);
}

/**
 * Entra's signing keys come with a self-signed certificate (`CN=accounts.accesscontrol.windows.net`)
 * published as `x5c`; `kid` and `x5t` are its SHA-1 thumbprint. Made with the `openssl` CLI, as the
 * TLS material is. https://learn.microsoft.com/entra/identity-platform/signing-key-rollover
 */
async function selfSignedCertificate(key: KeyObject): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mb-signing-'));
  try {
    await writeFile(join(dir, 'key.pem'), key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await run('openssl', [
      'req', '-x509', '-new', '-key', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1825',
      '-subj', '/CN=accounts.accesscontrol.windows.net', '-sha256',
    ]);
    return await readFile(join(dir, 'cert.pem'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function generateRsa(): Promise<KeyObject> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return privateKey;
}

async function toSigningKey(privateKey: KeyObject, certPem: string): Promise<SigningKey> {
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const der = new X509Certificate(certPem).raw;
  const kid = createHash('sha1').update(der).digest('base64url');
  // Entra's JWKS entries: kty, use, kid, x5t (= kid), n, e, x5c (the DER certificate, base64).
  return {
    privateKey, publicKey, kid,
    publicJwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n!, e: jwk.e!, x5c: [der.toString('base64')], alg: 'RS256' },
  };
}

/** Microsoft's issuers: v1-format tokens come from sts.windows.net, v2 from login.microsoftonline.com. */
export function issuerFor(version: '1.0' | '2.0', tenantId: string): string {
  return version === '1.0' ? `https://sts.windows.net/${tenantId}/` : `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

/** Pairwise subject: stable per user and app, different between apps (as Microsoft's `sub`). */
function pairwiseSub(objectId: string, clientId: string): string {
  return createHash('sha256').update(`${objectId}|${clientId.toLowerCase()}`).digest('base64url').slice(0, 43);
}

export interface AccessTokenRequest {
  tenantId: string;
  clientId: string;
  appDisplayName: string;
  /** 0 public client, 1 secret, 2 certificate (`appidacr` / `azpacr`). */
  clientAuth: '0' | '1' | '2';
  resource: ResourceDef;
  /** Delegated: the signed-in user and the `scp` permissions. */
  user?: User;
  scp?: string[];
  /** App-only: `roles`. */
  roles?: string[];
  lifetimeSeconds: number;
  nowMs: number;
}

export interface MintedToken {
  token: string;
  uti: string;
  iat: number;
  exp: number;
}

/**
 * A v1-format access token (Outlook and Graph both accept v1 tokens, so `ver` is 1.0 whichever
 * endpoint was called, as at Microsoft), with the claims a real one carries.
 */
export async function mintAccessToken(key: SigningKey, r: AccessTokenRequest): Promise<MintedToken> {
  const iat = Math.floor(r.nowMs / 1000);
  const exp = iat + r.lifetimeSeconds;
  const uti = randomBytes(16).toString('base64url');
  const common: JWTPayload = {
    aud: r.resource.uri,
    iss: issuerFor('1.0', r.tenantId),
    iat,
    nbf: Math.min(iat, exp),
    exp,
    aio: randomBytes(24).toString('base64url'),
    app_displayname: r.appDisplayName,
    appid: r.clientId,
    appidacr: r.clientAuth,
    tid: r.tenantId,
    uti,
    rh: `0.${randomBytes(12).toString('base64url')}.`,
    ver: '1.0',
  };
  const claims: JWTPayload = r.user
    ? {
        ...common,
        acr: '1',
        amr: ['pwd'],
        idtyp: 'user',
        family_name: r.user.surname,
        given_name: r.user.givenName,
        name: r.user.displayName,
        oid: r.user.objectId,
        scp: (r.scp ?? []).join(' '),
        sub: pairwiseSub(r.user.objectId, r.clientId),
        unique_name: r.user.username,
        upn: r.user.username,
        ipaddr: '127.0.0.1',
      }
    : {
        ...common,
        idp: issuerFor('1.0', r.tenantId),
        idtyp: 'app',
        // The app's service principal in this tenant.
        oid: spObjectId(r.clientId),
        sub: spObjectId(r.clientId),
        ...(r.roles && r.roles.length > 0 ? { roles: r.roles } : {}),
      };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid })
    .sign(key.privateKey);
  return { token, uti, iat, exp };
}

/** The object id of an app's service principal (deterministic, so tests can predict it). */
export function spObjectId(clientId: string): string {
  const h = createHash('sha256').update(`sp|${clientId.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An OpenID Connect id_token for the client: v2 shape from v2 endpoints, v1 shape from v1 ones. */
export async function mintIdToken(
  key: SigningKey,
  r: { tenantId: string; clientId: string; user: User; version: '1.0' | '2.0'; nonce?: string; email: boolean; nowMs: number },
): Promise<string> {
  const iat = Math.floor(r.nowMs / 1000);
  const base: JWTPayload = {
    aud: r.clientId,
    iss: issuerFor(r.version, r.tenantId),
    iat,
    nbf: iat,
    exp: iat + 3600,
    name: r.user.displayName,
    oid: r.user.objectId,
    sub: pairwiseSub(r.user.objectId, r.clientId),
    tid: r.tenantId,
    ver: r.version,
    ...(r.nonce ? { nonce: r.nonce } : {}),
    ...(r.email ? { email: r.user.username } : {}),
  };
  const claims: JWTPayload =
    r.version === '2.0'
      ? { ...base, preferred_username: r.user.username }
      : { ...base, upn: r.user.username, unique_name: r.user.username, amr: ['pwd'], family_name: r.user.surname, given_name: r.user.givenName };
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: key.kid }).sign(key.privateKey);
}

/** The claims of a token we signed and that has not expired at `nowMs`; undefined otherwise. */
export async function verifyOwnToken(key: SigningKey, token: string, nowMs: number): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(token, key.publicKey, { algorithms: ['RS256'], currentDate: new Date(nowMs) });
    return payload;
  } catch {
    return undefined;
  }
}

/** A lifetime in [min, max] seconds, as Microsoft randomises access-token lifetimes. */
export function randomLifetime(min: number, max: number): number {
  return max > min ? randomInt(min, max + 1) : min;
}
