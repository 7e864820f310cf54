import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { CLIENT_ASSERTION_TYPE, clientAuthenticationParams, createClientAssertion } from '../../src/auth/client-auth.js';
import { decodeAccessTokenClaims } from '../../src/auth/claims.js';
import { AuthError } from '../../src/errors.js';
import { SANDBOX, startAuthTestEnv, type AuthTestEnv } from './support.js';

const run = promisify(execFile);
let env: AuthTestEnv;
let keyFile: string;
let certFile: string;

before(async () => {
  env = await startAuthTestEnv();
  keyFile = join(env.dir, 'key.pem');
  certFile = join(env.dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=mailbridge-test']);
  const app = env.emulator.admin.getApp(SANDBOX.confidentialClientId);
  assert.ok(app);
  env.emulator.admin.upsertApp({ ...app, certificates: [{ pem: await readFile(certFile, 'utf8') }] });
});
after(async () => { await env.close(); });

test('the client assertion: RS256, thumbprints of the certificate, aud = token URL, iss = sub = client id, 10 min', async () => {
  const certPem = await readFile(certFile, 'utf8');
  const now = 1_800_000_000_000;
  const jwt = await createClientAssertion({ clientId: 'cid', tokenUrl: 'https://login.example/t/oauth2/v2.0/token',
    privateKeyPem: await readFile(keyFile, 'utf8'), certificatePem: certPem, now: () => now });
  const header = decodeProtectedHeader(jwt);
  const raw = new X509Certificate(certPem).raw;
  assert.equal(header.alg, 'RS256');
  assert.equal(header.x5t, createHash('sha1').update(raw).digest('base64url'));
  assert.equal(header['x5t#S256'], createHash('sha256').update(raw).digest('base64url'));
  const claims = decodeJwt(jwt);
  assert.equal(claims.aud, 'https://login.example/t/oauth2/v2.0/token');
  assert.equal(claims.iss, 'cid');
  assert.equal(claims.sub, 'cid');
  assert.equal(typeof claims.jti, 'string');
  assert.equal(claims.nbf, now / 1000);
  assert.equal(claims.exp, now / 1000 + 600);
});

test('private_key_jwt: the emulator accepts our assertion and issues an app-only token', async () => {
  const r = await env.addResource({ name: 'cert-app', kind: 'imap', flow: 'client_credentials', clientAuth: 'certificate',
    certificate: { keyFile, certFile }, user: SANDBOX.bob }, null);
  const params = await clientAuthenticationParams(r, env.store, r.oauth!.tokenUrl);
  assert.equal(params.client_assertion_type, CLIENT_ASSERTION_TYPE);
  assert.equal(params.client_secret, undefined);
  const t = await env.manager().getAccessToken('cert-app');
  assert.ok(decodeAccessTokenClaims(t.token).roles.includes('IMAP.AccessAsApp'));
  assert.equal((await env.manager().status('cert-app')).status, 'Available');
});

test('a certificate the app does not know: InvalidClient', async () => {
  const otherKey = join(env.dir, 'other-key.pem');
  const otherCert = join(env.dir, 'other-cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', otherKey, '-out', otherCert, '-days', '2', '-subj', '/CN=other']);
  await env.addResource({ name: 'cert-unknown', kind: 'imap', flow: 'client_credentials', clientAuth: 'certificate',
    certificate: { keyFile: otherKey, certFile: otherCert }, user: SANDBOX.bob }, null);
  await assert.rejects(env.manager().getAccessToken('cert-unknown'), (e: unknown) => e instanceof AuthError && e.details.error === 'invalid_client');
  assert.equal((await env.manager().status('cert-unknown')).status, 'InvalidClient');
});

test('a missing key file is a config error naming the field', async () => {
  await env.addResource({ name: 'cert-missing', kind: 'imap', flow: 'client_credentials', clientAuth: 'certificate',
    certificate: { keyFile: join(env.dir, 'nope.pem'), certFile }, user: SANDBOX.bob }, null);
  await assert.rejects(env.manager().getAccessToken('cert-missing'), (e: unknown) => {
    assert.ok(e instanceof Error && 'field' in e);
    assert.equal((e as AuthError).field, 'oauth.certificate.keyFile');
    return true;
  });
});
