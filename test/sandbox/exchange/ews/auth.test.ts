import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { assertSchemaValid, first, impersonate, rawMessage, responseCodes, SCHEMA, soap, startEwsRig, type EwsRig } from './support.js';

const FIND_INBOX = (mailbox = '') => `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox">${mailbox ? `<t:Mailbox><t:EmailAddress>${mailbox}</t:EmailAddress></t:Mailbox>` : ''}</t:DistinguishedFolderId></m:ParentFolderIds></m:FindItem>`;

/** A SOAP fault's e:ResponseCode. */
const faultCode = (xml: string) => first(xml, /<e:ResponseCode[^>]*>([^<]*)</);

describe('EWS endpoint: authentication, impersonation, availability, faults', () => {
  let rig: EwsRig;
  before(async () => {
    rig = await startEwsRig();
    await rig.ctx.admin.deliver(rawMessage({ from: 'x@example.com', to: SANDBOX.bob, subject: 'for bob' }), { from: 'x@example.com', to: [SANDBOX.bob] });
  });
  after(() => rig.close());
  beforeEach(() => {
    rig.clock.ms = Date.parse('2026-06-15T12:00:00Z');
    rig.ctx.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [] });
    rig.ctx.admin.clearFaults();
  });

  it('answers a request without a token with 401, a Bearer challenge and x-ms-diagnostics', async () => {
    const res = await rig.post(soap(FIND_INBOX()));
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/);
    assert.match(res.headers.get('x-ms-diagnostics') ?? '', /^2000001;reason="/);
  });

  it('refuses a Graph token (wrong audience), an expired token and one without the EWS scope with 401', async () => {
    const graph = await rig.userToken(SANDBOX.alice, { audience: 'https://graph.microsoft.com', scope: 'Mail.Read' });
    const aud = await rig.post(soap(FIND_INBOX()), { token: graph });
    assert.equal(aud.status, 401);
    assert.match(aud.headers.get('x-ms-diagnostics') ?? '', /^2000003;reason="The audience claim value is invalid 'aud'.";error_category="invalid_resource"/);

    const expired = await rig.post(soap(FIND_INBOX()), { token: await rig.userToken(SANDBOX.alice, { expiresInSeconds: -60 }) });
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('x-ms-diagnostics') ?? '', /^2000008;reason="The token has expired."/);

    const imap = await rig.post(soap(FIND_INBOX()), { token: await rig.userToken(SANDBOX.alice, { scope: 'IMAP.AccessAsUser.All' }) });
    assert.equal(imap.status, 401);
    assert.match(imap.headers.get('x-ms-diagnostics') ?? '', /insufficient_scope/);

    const garbage = await rig.post(soap(FIND_INBOX()), { token: 'not-a-jwt' });
    assert.equal(garbage.status, 401);
  });

  it('requires ExchangeImpersonation and X-AnchorMailbox for app-only tokens', async () => {
    const app = await rig.appToken();
    const none = await rig.post(soap(FIND_INBOX()), { token: app });
    assert.equal(none.status, 500);
    assert.equal(faultCode(none.text), 'ErrorInvalidExchangeImpersonationHeaderData');
    assert.match(none.text, /ExchangeImpersonation SOAP header must be present for this type of OAuth token/);

    const noAnchor = await rig.post(soap(FIND_INBOX(), impersonate(SANDBOX.bob)), { token: app });
    assert.equal(noAnchor.status, 500);
    assert.equal(faultCode(noAnchor.text), 'ErrorInvalidExchangeImpersonationHeaderData');

    const ok = await rig.post(soap(FIND_INBOX(), impersonate(SANDBOX.bob)), { token: app, anchor: SANDBOX.bob });
    assert.equal(ok.status, 200);
    await assertSchemaValid(ok.text);
    assert.match(ok.text, /TotalItemsInView="1"/);
  });

  it('refuses an app without a mailbox permission with ErrorAccessDenied', async () => {
    rig.ctx.admin.revokeFullAccess(SANDBOX.bob, SANDBOX.confidentialClientId);
    try {
      const res = await rig.post(soap(FIND_INBOX(), impersonate(SANDBOX.bob)), { token: await rig.appToken(), anchor: SANDBOX.bob });
      assert.equal(res.status, 500);
      assert.equal(faultCode(res.text), 'ErrorAccessDenied');
    } finally {
      rig.ctx.admin.grantFullAccess(SANDBOX.bob, SANDBOX.confidentialClientId);
    }
  });

  it('lets a user open another mailbox only with FullAccess (ErrorAccessDenied per folder, ErrorImpersonateUserDenied for impersonation)', async () => {
    const alice = await rig.userToken();
    const denied = await rig.post(soap(FIND_INBOX(SANDBOX.bob)), { token: alice });
    assert.equal(denied.status, 200);
    await assertSchemaValid(denied.text);
    assert.deepEqual(responseCodes(denied.text), ['ErrorAccessDenied']);

    const imp = await rig.post(soap(FIND_INBOX(), impersonate(SANDBOX.bob)), { token: alice, anchor: SANDBOX.bob });
    assert.equal(imp.status, 500);
    assert.equal(faultCode(imp.text), 'ErrorImpersonateUserDenied');

    rig.ctx.admin.grantFullAccess(SANDBOX.bob, SANDBOX.alice);
    try {
      const allowed = await rig.post(soap(FIND_INBOX(SANDBOX.bob)), { token: alice });
      await assertSchemaValid(allowed.text);
      assert.deepEqual(responseCodes(allowed.text), ['NoError']);
      assert.match(allowed.text, /TotalItemsInView="1"/);
    } finally {
      rig.ctx.admin.revokeFullAccess(SANDBOX.bob, SANDBOX.alice);
    }
  });

  it('applies EWSEnabled, EWSAllowedAppIDs and the retirement dates to the sandbox clock', async () => {
    const appId = JSON.parse(Buffer.from((await rig.userToken()).split('.')[1]!, 'base64url').toString()).appid as string;
    // A fresh token each time: the emulator shares the clock, so tokens minted before a jump have expired.
    const status = async () => {
      const res = await rig.post(soap(FIND_INBOX()), { token: await rig.userToken() });
      if (res.status === 200) await assertSchemaValid(res.text);
      return { status: res.status, diag: res.headers.get('x-ms-diagnostics') ?? '' };
    };

    assert.equal((await status()).status, 200, 'before 2026-10-01 EWSEnabled true allows every app');
    rig.ctx.admin.updateSettings({ ewsEnabled: null });
    assert.equal((await status()).status, 200, 'before 2026-10-01 unset EWSEnabled allows every app');
    rig.ctx.admin.updateSettings({ ewsEnabled: false });
    const disabled = await status();
    assert.equal(disabled.status, 403);
    assert.match(disabled.diag, /^2000010;.*error_category="ews_disabled"/);

    rig.clock.ms = Date.parse('2026-10-02T00:00:00Z');
    rig.ctx.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [] });
    const notListed = await status();
    assert.equal(notListed.status, 403);
    assert.match(notListed.diag, /^2000011;.*EWSAllowedAppIDs/);
    rig.ctx.admin.updateSettings({ ewsAllowedAppIds: [appId] });
    assert.equal((await status()).status, 200, 'an allow-listed app keeps EWS after 2026-10-01');
    rig.ctx.admin.updateSettings({ ewsEnabled: null });
    assert.equal((await status()).status, 403, 'unset EWSEnabled is flipped to False from 2026-10-01');

    rig.clock.ms = Date.parse('2027-04-01T00:00:01Z');
    rig.ctx.admin.updateSettings({ ewsEnabled: true });
    const retired = await status();
    assert.equal(retired.status, 403);
    assert.match(retired.diag, /^2000012;.*retired/);
  });

  it('answers malformed XML and non-EWS bodies with an ErrorSchemaValidation SOAP fault', async () => {
    const token = await rig.userToken();
    const broken = await rig.post('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:FindItem', { token });
    assert.equal(broken.status, 500);
    assert.equal(faultCode(broken.text), 'ErrorSchemaValidation');
    assert.match(broken.text, /<faultcode xmlns:a="http:\/\/schemas.microsoft.com\/exchange\/services\/2006\/types">a:ErrorSchemaValidation<\/faultcode>/);

    const soap12 = await rig.post(soap(FIND_INBOX()).replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope'), { token });
    assert.equal(soap12.status, 500);
    assert.equal(faultCode(soap12.text), 'ErrorSchemaValidation');

    const wrongNs = await rig.post(soap(FIND_INBOX()).replace(/xmlns:m="[^"]+"/, 'xmlns:m="https://schemas.microsoft.com/exchange/services/2006/messages"'), { token });
    assert.equal(wrongNs.status, 500);
    assert.match(wrongNs.text, /is not expected/);

    const dtd = await rig.post(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>${soap(FIND_INBOX()).replace(/^<\?xml[^>]*>/, '')}`, { token });
    assert.equal(dtd.status, 500);
    assert.equal(faultCode(dtd.text), 'ErrorSchemaValidation');
  });

  it('throttles with ErrorServerBusy and BackOffMilliseconds, and injects server errors, dropped connections and slowness', async () => {
    const token = await rig.userToken();
    rig.ctx.admin.addFault({ protocol: 'ews', kind: 'throttle', value: 29750, times: 1, mailbox: SANDBOX.alice });
    const busy = await rig.post(soap(FIND_INBOX()), { token });
    assert.equal(busy.status, 500);
    assert.equal(faultCode(busy.text), 'ErrorServerBusy');
    assert.match(busy.text, /<t:MessageXml xmlns:t="http:\/\/schemas.microsoft.com\/exchange\/services\/2006\/types"><t:Value Name="BackOffMilliseconds">29750<\/t:Value><\/t:MessageXml>/);
    const after = await rig.post(soap(FIND_INBOX()), { token });
    assert.equal(after.status, 200, 'the fault applied once');
    await assertSchemaValid(after.text);

    rig.ctx.admin.addFault({ protocol: 'ews', kind: 'server_error', times: 1 });
    const failed = await rig.post(soap(FIND_INBOX()), { token });
    assert.equal(failed.status, 500);
    assert.equal(faultCode(failed.text), 'ErrorInternalServerError');

    rig.ctx.admin.addFault({ protocol: 'ews', kind: 'drop_connection', times: 1 });
    await assert.rejects(rig.post(soap(FIND_INBOX()), { token }), 'the connection is closed without an answer');

    rig.ctx.admin.addFault({ protocol: 'ews', kind: 'slow', value: 50, times: 1 });
    const slow = await rig.post(soap(FIND_INBOX()), { token });
    assert.equal(slow.status, 200, 'a slow answer is still the right answer');
    await assertSchemaValid(slow.text);
  });

  it('serves the schema files a client validates against', async () => {
    for (const name of ['messages.xsd', 'types.xsd']) {
      const res = await rig.fetchUrl(`${rig.url}/EWS/${name}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), await readFile(SCHEMA.replace('messages.xsd', name), 'utf8'));
    }
  });
});
