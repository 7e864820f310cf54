import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, BOB, call, startGraphRig, type GraphRig } from './support.js';

describe('graph endpoint: auth and error JSON', () => {
  let rig: GraphRig;
  before(async () => { rig = await startGraphRig(); });
  after(async () => { await rig.close(); });

  it('401 InvalidAuthenticationToken in the documented shape for a missing token, with request-id', async () => {
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, { headers: { 'client-request-id': 'c0ffee00-0000-4000-8000-000000000001' } });
    assert.equal(r.status, 401);
    const body = r.json<{ error: { code: string; message: string; innerError: Record<string, string> } }>();
    assertShape(body, fixture('error.json'));
    assert.equal(body.error.code, 'InvalidAuthenticationToken');
    assert.equal(body.error.message, 'Access token is empty.');
    assert.equal(body.error.innerError['request-id'], r.headers['request-id']);
    assert.equal(body.error.innerError['client-request-id'], 'c0ffee00-0000-4000-8000-000000000001');
    assert.match(String(r.headers['www-authenticate']), /^Bearer /);
  });

  it('401 for an expired token and for an Outlook-audience token', async () => {
    const expired = await rig.token({ user: ALICE, expiresInSeconds: -600 });
    const r1 = await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, { token: expired });
    assert.equal(r1.status, 401);
    assert.match(r1.json<{ error: { message: string } }>().error.message, /expired/);
    const outlook = await rig.token({ user: ALICE, audience: 'https://outlook.office365.com', scope: 'Mail.ReadWrite' });
    const r2 = await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, { token: outlook });
    assert.equal(r2.status, 401);
    assert.equal(r2.json<{ error: { code: string } }>().error.code, 'InvalidAuthenticationToken');
  });

  it('403 ErrorAccessDenied when the scope does not cover the operation', async () => {
    const readOnly = await rig.token({ user: ALICE, scope: 'Mail.Read' });
    const list = await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/inbox/messages`, { token: readOnly });
    assert.equal(list.status, 200);
    const send = await call(rig.ctx.tls.ca, `${rig.base}/me/sendMail`, {
      method: 'POST', token: readOnly, body: { message: { subject: 'x', toRecipients: [{ emailAddress: { address: BOB } }] } },
    });
    assert.equal(send.status, 403);
    assertShape(send.json(), fixture('error.json'));
    assert.equal(send.json<{ error: { code: string } }>().error.code, 'ErrorAccessDenied');
  });

  it("a delegated user cannot open someone else's mailbox without FullAccess", async () => {
    const t = await rig.token({ user: ALICE });
    const r = await call(rig.ctx.tls.ca, `${rig.base}/users/${encodeURIComponent(BOB)}/mailFolders`, { token: t });
    assert.equal(r.status, 403);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'ErrorAccessDenied');
  });

  it('app-only tokens use /users/{upn}; /me is refused with 400', async () => {
    const app = await rig.token({ roles: ['Mail.Read'] });
    const ok = await call(rig.ctx.tls.ca, `${rig.base}/users/${encodeURIComponent(BOB)}/mailFolders/inbox`, { token: app });
    assert.equal(ok.status, 200);
    assert.equal(ok.json<{ displayName: string }>().displayName, 'Inbox');
    const me = await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders`, { token: app });
    assert.equal(me.status, 400);
    assert.match(me.json<{ error: { message: string } }>().error.message, /delegated/);
    const noRole = await rig.token({ roles: ['User.Read.All'] });
    const denied = await call(rig.ctx.tls.ca, `${rig.base}/users/${encodeURIComponent(BOB)}/messages`, { token: noRole });
    assert.equal(denied.status, 403);
  });

  it('unknown routes answer Graph error JSON with a request-id header', async () => {
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/nosuchthing`);
    assert.equal(r.status, 400);
    assert.ok(r.headers['request-id']);
    assertShape(r.json(), fixture('error.json'));
  });
});
