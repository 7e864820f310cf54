import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ewsAccess, EWS_BLOCK_DATE, EWS_SHUTDOWN_DATE, defaultTenantSettings, smtpAuthState } from '../../../packages/sandbox/src/exchange/settings.js';
import { ALICE, startSandboxes, type Sandboxes } from './support.js';

let sb: Sandboxes;
before(async () => {
  sb = await startSandboxes({ adminHttp: true });
});
after(() => sb.close());

test('admin HTTP API: settings, faults, mailboxes and deliver; bad bodies are 400 with the field', async () => {
  const url = sb.exchange.adminUrl!;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  assert.equal((await call('PATCH', '/settings', { ewsEnabled: false })).status, 200);
  assert.equal(sb.exchange.context.settings.ewsEnabled, false);
  assert.equal((await call('POST', '/smtp-auth', { disabled: true, mailbox: ALICE })).status, 200);
  assert.equal(smtpAuthState(sb.exchange.context.settings, ALICE), 'disabled_mailbox');
  const bad = await call('PATCH', '/settings', { ewsEnabled: 'yes' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body?.['message']), /^ewsEnabled: /);
  const fault = await call('POST', '/faults', { protocol: 'imap', kind: 'slow', value: 10 });
  assert.equal(fault.status, 201);
  assert.equal(sb.exchange.context.takeFault('imap')?.id, fault.body?.['id']);
  assert.equal((await call('DELETE', `/faults/${String(fault.body?.['id'])}`)).status, 204);
  assert.equal(sb.exchange.context.takeFault('imap'), undefined);
  assert.equal((await call('POST', '/mailboxes', { address: 'dave@contoso.onmicrosoft.com' })).status, 201);
  const d = await call('POST', '/deliver', { from: ALICE, to: ['dave@contoso.onmicrosoft.com', 'x@contoso.onmicrosoft.com'], raw: 'Subject: hi\n\nbody\n' });
  assert.deepEqual(d.body, { accepted: ['dave@contoso.onmicrosoft.com'], rejected: ['x@contoso.onmicrosoft.com'] });
  assert.equal(sb.exchange.context.store.mailbox('dave@contoso.onmicrosoft.com')!.folder('inbox')!.list()[0]!.summary.subject, 'hi');
});

test('fault times count down and then stop applying', () => {
  const { admin, context } = sb.exchange;
  admin.addFault({ protocol: 'pop3', kind: 'throttle', times: 2 });
  assert.ok(context.takeFault('pop3'));
  assert.ok(context.takeFault('pop3', ALICE));
  assert.equal(context.takeFault('pop3'), undefined);
  admin.addFault({ protocol: 'smtp', mailbox: ALICE, kind: 'throttle' });
  assert.equal(context.takeFault('smtp', 'bob@contoso.onmicrosoft.com'), undefined);
  assert.ok(context.takeFault('smtp', ALICE));
  admin.clearFaults();
});

test('EWS access follows EWSEnabled, the allow-list and the retirement dates on the sandbox clock', () => {
  const s = defaultTenantSettings();
  const app = 'a1b2c3d4-0000-4000-8000-00000000c0de';
  const before = EWS_BLOCK_DATE - 1;
  assert.equal(ewsAccess(s, app, before), 'ok');
  assert.equal(ewsAccess(s, app, EWS_BLOCK_DATE), 'not_allowed');
  assert.equal(ewsAccess({ ...s, ewsEnabled: null }, app, before), 'ok');
  assert.equal(ewsAccess({ ...s, ewsEnabled: null }, app, EWS_BLOCK_DATE), 'disabled');
  assert.equal(ewsAccess({ ...s, ewsAllowedAppIds: [app] }, app, EWS_BLOCK_DATE), 'ok');
  assert.equal(ewsAccess({ ...s, ewsAllowedAppIds: ['other'] }, app, before), 'not_allowed');
  assert.equal(ewsAccess({ ...s, ewsEnabled: false, ewsAllowedAppIds: [app] }, app, before), 'disabled');
  assert.equal(ewsAccess({ ...s, ewsAllowedAppIds: [app] }, app, EWS_SHUTDOWN_DATE), 'retired');
});
