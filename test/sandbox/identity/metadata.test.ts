import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { TENANT, aliceTokens, startIdentityEmulator, type IdentityEmulator } from './support.js';

/** GET over HTTPS trusting only the given CA (TLS verification on, as clients must). */
function httpsGet(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('identity emulator: metadata, JWKS and HTTPS', () => {
  let em: IdentityEmulator;
  before(async () => {
    em = await startIdentityEmulator();
  });
  after(() => em.close());

  it('publishes OpenID configuration with Microsoft\'s issuer and this emulator\'s endpoints', async () => {
    const c = (await (await fetch(`${em.url}/${TENANT}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(c.issuer, `https://login.microsoftonline.com/${TENANT}/v2.0`);
    assert.equal(c.token_endpoint, `${em.url}/${TENANT}/oauth2/v2.0/token`);
    assert.equal(c.authorization_endpoint, `${em.url}/${TENANT}/oauth2/v2.0/authorize`);
    assert.equal(c.jwks_uri, `${em.url}/${TENANT}/discovery/v2.0/keys`);
    const common = (await (await fetch(`${em.url}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(common.issuer, 'https://login.microsoftonline.com/{tenantid}/v2.0');
    const v1 = (await (await fetch(`${em.url}/${TENANT}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(v1.issuer, `https://sts.windows.net/${TENANT}/`);
    assert.equal((await fetch(`${em.url}/nowhere.example/v2.0/.well-known/openid-configuration`)).status, 400);
  });

  it('publishes the signing key in the JWKS: issued tokens verify against it by kid', async () => {
    const jwks = (await (await fetch(`${em.url}/${TENANT}/discovery/v2.0/keys`)).json()) as JSONWebKeySet;
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.kty, 'RSA');
    assert.ok(jwks.keys[0]!.kid);
    const token = String((await aliceTokens(em)).access_token);
    const { protectedHeader, payload } = await jwtVerify(token, createLocalJWKSet(jwks), { audience: 'https://outlook.office365.com', issuer: `https://sts.windows.net/${TENANT}/` });
    assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.tid, TENANT);
  });

  it('serves HTTPS with a certificate for localhost that the exported CA verifies', async () => {
    assert.match(em.caPem, /BEGIN CERTIFICATE/);
    const r = await httpsGet(`${em.httpsUrl}/${TENANT}/v2.0/.well-known/openid-configuration`, em.caPem);
    assert.equal(r.status, 200);
    const port = new URL(em.httpsUrl).port;
    assert.equal((JSON.parse(r.body) as { token_endpoint: string }).token_endpoint, `https://localhost:${port}/${TENANT}/oauth2/v2.0/token`);
    const byIp = await httpsGet(`https://127.0.0.1:${port}/${TENANT}/discovery/v2.0/keys`, em.caPem);
    assert.equal(byIp.status, 200, 'the certificate also names 127.0.0.1');
    await assert.rejects(httpsGet(`${em.httpsUrl}/${TENANT}/discovery/v2.0/keys`), /self-signed|unable to verify|self signed/i, 'without the CA, verification fails');
  });
});
