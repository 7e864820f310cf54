import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { SANDBOX, WEB, assertAadError, claims, postForm, startIdentityEmulator, tokenUrl, type IdentityEmulator } from './support.js';

const run = promisify(execFile);

/** A self-signed certificate and its key, made with openssl as an admin would for an app. */
async function makeCert(dir: string, name: string): Promise<{ certPem: string; keyPem: string }> {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-days', '2', '-subj', `/CN=${name}`]);
  return { certPem: await readFile(join(dir, `${name}.pem`), 'utf8'), keyPem: await readFile(join(dir, `${name}.key`), 'utf8') };
}

async function assertion(keyPem: string, certPem: string, aud: string, opts: { iss?: string; exp?: string } = {}): Promise<string> {
  const x5t = createHash('sha1').update(new X509Certificate(certPem).raw).digest('base64url');
  return new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t })
    .setIssuer(opts.iss ?? WEB).setSubject(opts.iss ?? WEB).setAudience(aud)
    .setIssuedAt().setNotBefore('0s').setExpirationTime(opts.exp ?? '10m')
    .sign(createPrivateKey(keyPem));
}

describe('identity emulator: private_key_jwt client authentication', () => {
  let em: IdentityEmulator;
  let dir: string;
  let good: { certPem: string; keyPem: string };
  let other: { certPem: string; keyPem: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mb-pkjwt-'));
    [em, good, other] = await Promise.all([startIdentityEmulator(), makeCert(dir, 'app'), makeCert(dir, 'stranger')]);
    const app = em.admin.getApp(WEB)!;
    em.admin.upsertApp({ ...app, certificates: [{ pem: good.certPem }] });
  });
  after(async () => {
    await em.close();
    await rm(dir, { recursive: true, force: true });
  });

  const request = (clientAssertion: string) => postForm(tokenUrl(em), {
    grant_type: 'client_credentials', client_id: WEB, scope: 'https://outlook.office365.com/.default',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: clientAssertion,
  });

  it('accepts an assertion signed by the registered certificate (appidacr 2)', async () => {
    const r = await request(await assertion(good.keyPem, good.certPem, tokenUrl(em)));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(claims(r.body.access_token).appidacr, '2');
  });

  it('also accepts Microsoft\'s token URL as the audience', async () => {
    const r = await request(await assertion(good.keyPem, good.certPem, `https://login.microsoftonline.com/${SANDBOX.tenantId}/oauth2/v2.0/token`));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  it('rejects an unregistered certificate, a wrong audience, a wrong issuer and an expired assertion', async () => {
    assertAadError(assert, await request(await assertion(other.keyPem, other.certPem, tokenUrl(em))), 401, 'invalid_client', 700027);
    assertAadError(assert, await request(await assertion(good.keyPem, good.certPem, 'https://example.com/token')), 401, 'invalid_client', 50013);
    assertAadError(assert, await request(await assertion(good.keyPem, good.certPem, tokenUrl(em), { iss: SANDBOX.publicClientId })), 401, 'invalid_client', 700021);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer(WEB).setSubject(WEB).setAudience(tokenUrl(em))
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(createPrivateKey(good.keyPem));
    assertAadError(assert, await request(expired), 401, 'invalid_client', 700024);
  });

  it('rejects a signature made by another key under the registered certificate\'s thumbprint', async () => {
    const forged = await assertion(other.keyPem, good.certPem, tokenUrl(em));
    assertAadError(assert, await request(forged), 401, 'invalid_client', 700027);
  });
});
