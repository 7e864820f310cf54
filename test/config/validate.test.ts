import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PresetInput } from '../../src/config/entry.js';
import { applyPreset } from '../../src/config/presets.js';
import type { ResourceInput } from '../../src/config/resource.js';
import { checkSecretsPresent, parseResource, resourceWarnings } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';

const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const base: PresetInput = { name: 'r', kind: 'imap', tenantId: T, clientId: 'cid', user: 'alice@contoso.onmicrosoft.com' };
const build = (over: Partial<PresetInput>): ResourceInput => applyPreset({ ...base, ...over });
/** Changes the full resource after the preset, as a hand-written config would. */
function mutate(over: Partial<PresetInput>, f: (r: ResourceInput & { oauth: NonNullable<ResourceInput['oauth']> }) => void): ResourceInput {
  const r = build(over) as ResourceInput & { oauth: NonNullable<ResourceInput['oauth']> };
  f(r);
  return r;
}

function rejects(input: unknown, field: string, hint: RegExp): void {
  assert.throws(() => parseResource(input), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.field, field, e.message);
    assert.match(e.hint, hint);
    assert.ok(!e.message.includes('\n'), 'one line');
    assert.ok(e.message.includes(field), `message names ${field}: ${e.message}`);
    return true;
  });
}

test('the guide\'s three resources are accepted exactly as written', () => {
  const receive = mutate({}, () => undefined);
  parseResource(receive);
  const send = mutate({ kind: 'smtp' }, (r) => { r.oauth.scope = 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access SMTP.Send'; });
  parseResource(send);
  const exchange = build({ kind: 'ews', ewsV1: true, state: 'anything' });
  assert.equal(parseResource(exchange).oauth?.state, 'anything');
});

const cases: { title: string; input: () => unknown; field: string; hint: RegExp }[] = [
  { title: 'unknown kind lists the valid ones', input: () => ({ ...build({}), kind: 'exchange' }), field: 'kind', hint: /imap, pop3, smtp, ews, graph/ },
  { title: 'port out of range', input: () => mutate({}, (r) => { r.server!.port = 70000; }), field: 'server.port', hint: /1-65535/ },
  { title: 'smtp tls on 587 → starttls', input: () => build({ kind: 'smtp', secure: 'tls' }), field: 'server.secure', hint: /starttls/ },
  { title: 'imap starttls on 993 → tls', input: () => build({ secure: 'starttls' }), field: 'server.secure', hint: /--secure tls/ },
  { title: 'plaintext to a remote host', input: () => build({ secure: 'none', port: 143 }), field: 'server.secure', hint: /starttls/ },
  { title: 'plaintext on loopback needs the flag', input: () => build({ mailHost: '127.0.0.1', secure: 'none', port: 1143 }), field: 'tls.allowPlaintextLoopback', hint: /allowPlaintextLoopback/ },
  { title: 'URL given as IMAP host', input: () => build({ mailHost: 'https://outlook.office365.com' }), field: 'server.host', hint: /host name only/ },
  { title: 'EWS over http to a remote host', input: () => build({ kind: 'ews', mailHost: 'http://mail.example.com' }), field: 'server.host', hint: /https:\/\// },
  { title: 'oauth2 without the oauth block', input: () => { const r = build({}); delete r.oauth; return r; }, field: 'oauth', hint: /--tenant/ },
  { title: 'token endpoint over plain http to a remote host', input: () => build({ tokenUrl: 'http://login.example.com/t/oauth2/v2.0/token' }), field: 'oauth.tokenUrl', hint: /https:\/\/login\.example\.com/ },
  { title: 'authority over plain http to a remote host', input: () => build({ authorityUrl: 'http://login.example.com' }), field: 'oauth.authorizeUrl', hint: /loopback/ },
  { title: 'tenant that would change the login URL path', input: () => build({ tenantId: 'not/a/tenant' }), field: 'oauth.tenantId', hint: /Directory \(tenant\) ID/ },
  { title: 'callback neither https nor loopback', input: () => build({ callbackUrl: 'http://example.com/cb' }), field: 'oauth.callbackUrl', hint: /https:\/\/localhost/ },
  { title: 'v1 token URL without resource', input: () => build({ tokenUrl: `https://login.microsoftonline.com/${T}/oauth2/token` }), field: 'oauth.resource', hint: /v2\.0\/token/ },
  { title: 'v1 token URL with .default', input: () => build({ flow: 'client_credentials', tokenUrl: `https://login.microsoftonline.com/${T}/oauth2/token` }), field: 'oauth.scope', hint: /v2 token/ },
  { title: 'resource on v2 endpoints', input: () => build({ resource: 'https://outlook.office365.com' }), field: 'oauth.resource', hint: /remove resource/ },
  { title: 'client_credentials with a delegated scope', input: () => build({ flow: 'client_credentials', scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All' }), field: 'oauth.scope', hint: /\.default/ },
  { title: 'client_credentials as a public client', input: () => build({ flow: 'client_credentials', clientAuth: 'none' }), field: 'oauth.clientAuth', hint: /secret|certificate/ },
  { title: 'client_credentials without the mailbox', input: () => build({ flow: 'client_credentials', user: undefined }), field: 'user', hint: /--user/ },
  { title: 'Graph scope first for IMAP', input: () => build({ scope: 'offline_access Mail.Read https://outlook.office365.com/IMAP.AccessAsUser.All' }), field: 'oauth.scope', hint: /Outlook scope first/ },
  { title: 'Outlook scope for Graph', input: () => build({ kind: 'graph', scope: 'offline_access https://outlook.office365.com/EWS.AccessAsUser.All' }), field: 'oauth.scope', hint: /Graph scopes/ },
  { title: 'user is not an address (m365)', input: () => build({ user: 'alice' }), field: 'user', hint: /alice@/ },
  { title: 'insecureLoopback on a real host', input: () => build({ tls: { insecureLoopback: true } }), field: 'tls.insecureLoopback', hint: /--ca-file/ },
  { title: 'certificate auth without a certificate', input: () => build({ clientAuth: 'certificate' }), field: 'oauth.certificate', hint: /--certificate-key/ },
  { title: 'empty scope', input: () => build({ scope: '  ' }), field: 'oauth.scope', hint: /offline_access/ },
  { title: 'bad secret expiry date', input: () => build({ secretExpiresAt: 'soon' }), field: 'oauth.secretExpiresAt', hint: /YYYY-MM-DD/ },
  { title: 'device code without its endpoint', input: () => mutate({ flow: 'device_code' }, (r) => { delete r.oauth.deviceCodeUrl; }), field: 'oauth.deviceCodeUrl', hint: /devicecode/ },
];
for (const c of cases) test(`rejects: ${c.title}`, () => rejects(c.input(), c.field, c.hint));

test('loopback callbacks are accepted: http://localhost:PORT, 127.0.0.1, [::1]', () => {
  for (const cb of ['http://localhost:8400/cb', 'http://127.0.0.1', 'http://[::1]:9000']) parseResource(build({ callbackUrl: cb }));
});

test('warnings: offline_access missing, several resources named, secret expiry, form_post', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const noOffline = parseResource(build({ scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All' }));
  assert.ok(resourceWarnings(noOffline, { now }).some((w) => w.field === 'oauth.scope' && /offline_access/.test(w.message)));
  const send = parseResource(build({ kind: 'smtp', scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access SMTP.Send' }));
  const multi = resourceWarnings(send, { now }).find((w) => /several resources/.test(w.message));
  assert.ok(multi);
  assert.match(multi.message, /https:\/\/outlook\.office365\.com, https:\/\/graph\.microsoft\.com/);
  assert.match(multi.message, /for the first, https:\/\/outlook\.office365\.com/);
  const soon = parseResource(build({ secretExpiresAt: '2026-01-11' }));
  assert.ok(resourceWarnings(soon, { now }).some((w) => /expires in 10 days/.test(w.message)));
  const past = parseResource(build({ secretExpiresAt: '2025-12-01' }));
  assert.ok(resourceWarnings(past, { now }).some((w) => /expired/.test(w.message)));
  const fp = parseResource(build({ responseMode: 'form_post' }));
  assert.ok(resourceWarnings(fp, { now }).some((w) => w.field === 'oauth.responseMode'));
  assert.deepEqual(resourceWarnings(parseResource(build({})), { now }), []);
  const app = parseResource(build({ flow: 'client_credentials' }));
  assert.ok(!resourceWarnings(app, { now }).some((w) => /offline_access/.test(w.message)), 'no refresh tokens in client credentials');
});

test('checkSecretsPresent: a confidential client needs its secret; a public one does not', () => {
  const r = parseResource(build({}));
  assert.throws(() => checkSecretsPresent(r, {}), (e: unknown) => e instanceof ConfigError && e.field === 'clientSecret' && /--client-secret-stdin/.test(e.hint));
  checkSecretsPresent(r, { clientSecret: new Secret('s3cret') });
  checkSecretsPresent(parseResource(build({ flow: 'device_code' })), {});
});
