import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { completeDeviceLogin } from '../../helpers/consent.js';
import {
  ALICE, PUBLIC, SANDBOX, TENANT, assertAadError, claims, defaultSeedWith, postForm, startIdentityEmulator, testClock, tokenUrl,
  type IdentityEmulator,
} from './support.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('identity emulator: device code flow', () => {
  let em: IdentityEmulator;
  const clock = testClock();
  before(async () => {
    em = await startIdentityEmulator({ now: clock.now, seed: defaultSeedWith({ deviceCodeIntervalSeconds: 1 }) });
  });
  after(() => em.close());

  const start = async (scope = 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access openid') => {
    const r = await postForm(`${em.url}/${TENANT}/oauth2/v2.0/devicecode`, { client_id: PUBLIC, scope });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const poll = (deviceCode: string) => postForm(tokenUrl(em), { grant_type: GRANT, client_id: PUBLIC, device_code: deviceCode });

  it('answers Microsoft\'s device authorization response with the configured interval', async () => {
    const d = await start();
    assert.match(String(d.user_code), /^[A-Z0-9]{9}$/);
    assert.equal(d.verification_uri, `${em.url}/devicelogin`);
    assert.equal(d.expires_in, 900);
    assert.equal(d.interval, 1);
    assert.equal(d.message, `To sign in, use a web browser to open the page ${em.url}/devicelogin and enter the code ${String(d.user_code)} to authenticate.`);
  });

  it('is pending until the user signs in and consents, then issues tokens once', async () => {
    const d = await start();
    assertAadError(assert, await poll(String(d.device_code)), 400, 'authorization_pending', 70016);
    const text = await completeDeviceLogin(String(d.verification_uri), String(d.user_code), ALICE);
    assert.match(text, /You have signed in/);
    const r = await poll(String(d.device_code));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(claims(r.body.access_token).upn, ALICE.username);
    assert.equal(claims(r.body.access_token).aud, 'https://outlook.office365.com');
    assert.ok(r.body.refresh_token && r.body.id_token);
    assertAadError(assert, await poll(String(d.device_code)), 400, 'invalid_grant', 54005);
  });

  it('reports authorization_declined, expired_token and bad_verification_code', async () => {
    const declined = await start('User.Read Mail.Send.Shared');
    await completeDeviceLogin(String(declined.verification_uri), String(declined.user_code), ALICE, { accept: false });
    assertAadError(assert, await poll(String(declined.device_code)), 400, 'authorization_declined', 65004);

    const late = await start();
    clock.ms += 901_000;
    try {
      assertAadError(assert, await poll(String(late.device_code)), 400, 'expired_token', 70019);
      await assert.rejects(completeDeviceLogin(String(late.verification_uri), String(late.user_code), ALICE), /That code didn't work/);
    } finally {
      clock.ms -= 901_000;
    }
    assertAadError(assert, await poll('not-a-device-code'), 400, 'bad_verification_code', 70018);
  });

  it('answers the v1 device code endpoint with verification_url and strings', async () => {
    const r = await postForm(`${em.url}/${TENANT}/oauth2/devicecode`, { client_id: PUBLIC, resource: 'https://outlook.office365.com' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.verification_url, `${em.url}/devicelogin`);
    assert.equal(r.body.expires_in, '900');
    assert.equal(r.body.interval, '1');
    await completeDeviceLogin(String(r.body.verification_url), String(r.body.user_code), { username: SANDBOX.bob, password: SANDBOX.password });
    const t = await postForm(tokenUrl(em, 'v1'), { grant_type: GRANT, client_id: PUBLIC, device_code: String(r.body.device_code), resource: 'https://outlook.office365.com' });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.resource, 'https://outlook.office365.com');
    assert.equal(typeof t.body.expires_in, 'string');
  });
});
