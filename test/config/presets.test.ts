import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { ConfigError } from '../../src/errors.js';

const TENANT = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const CLIENT = 'a1b2c3d4-0000-4000-8000-00000000c0de';
const USER = 'user@tenant.onmicrosoft.com';
const base = { tenantId: TENANT, clientId: CLIENT, user: USER } as const;
const AUTH_V2 = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`;
const TOKEN_V2 = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`;

test('m365 imap: the guide\'s Email receive resource', () => {
  const r = parseResource(applyPreset({ ...base, name: 'receive', kind: 'imap' }));
  assert.deepEqual(r.server, { host: 'outlook.office365.com', port: 993, secure: 'tls' });
  assert.equal(r.authType, 'oauth2');
  assert.equal(r.user, USER);
  assert.equal(r.from, USER);
  assert.equal(r.oauth?.authorizeUrl, AUTH_V2);
  assert.equal(r.oauth?.tokenUrl, TOKEN_V2);
  assert.equal(r.oauth?.callbackUrl, 'https://localhost');
  assert.equal(r.oauth?.clientId, CLIENT);
  assert.equal(r.oauth?.scope, 'offline_access https://outlook.office365.com/IMAP.AccessAsUser.All');
  assert.equal(r.oauth?.responseMode, 'query');
  assert.equal(r.oauth?.clientAuth, 'secret');
});

test('m365 pop3 and smtp: ports, modes, scopes and the SMTP rate limit', () => {
  const pop = parseResource(applyPreset({ ...base, name: 'pop', kind: 'pop3' }));
  assert.deepEqual(pop.server, { host: 'outlook.office365.com', port: 995, secure: 'tls' });
  assert.equal(pop.oauth?.scope, 'offline_access https://outlook.office365.com/POP.AccessAsUser.All');
  const smtp = parseResource(applyPreset({ ...base, name: 'send', kind: 'smtp' }));
  assert.deepEqual(smtp.server, { host: 'smtp.office365.com', port: 587, secure: 'starttls' });
  assert.equal(smtp.oauth?.scope, 'offline_access https://outlook.office365.com/SMTP.Send');
  assert.equal(smtp.rateLimitPerMinute, 30);
  assert.equal(smtp.from, USER);
});

test('m365 ews with ewsV1: the guide\'s Exchange resource (v1 authorize, v2 token, query)', () => {
  const r = parseResource(applyPreset({ ...base, name: 'exchange', kind: 'ews', ewsV1: true }));
  assert.deepEqual(r.server, { host: 'https://outlook.office365.com', port: 443, secure: 'tls', domain: 'tenant.onmicrosoft.com' });
  assert.equal(r.oauth?.authorizeUrl, `https://login.microsoftonline.com/${TENANT}/oauth2/authorize`);
  assert.equal(r.oauth?.tokenUrl, TOKEN_V2);
  assert.equal(r.oauth?.scope, 'openid offline_access https://outlook.office365.com/EWS.AccessAsUser.All');
  assert.equal(r.oauth?.responseMode, 'query');
  const v2 = parseResource(applyPreset({ ...base, name: 'exchange', kind: 'ews' }));
  assert.equal(v2.oauth?.authorizeUrl, AUTH_V2);
});

test('m365 graph and client credentials scopes', () => {
  const g = parseResource(applyPreset({ ...base, name: 'g', kind: 'graph' }));
  assert.equal(g.server.host, 'https://graph.microsoft.com');
  assert.equal(g.oauth?.scope, 'offline_access https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read');
  const app = parseResource(applyPreset({ ...base, name: 'app', kind: 'imap', flow: 'client_credentials' }));
  assert.equal(app.oauth?.scope, 'https://outlook.office365.com/.default');
  const gapp = parseResource(applyPreset({ ...base, name: 'gapp', kind: 'graph', flow: 'client_credentials' }));
  assert.equal(gapp.oauth?.scope, 'https://graph.microsoft.com/.default');
  const dev = parseResource(applyPreset({ ...base, name: 'dev', kind: 'imap', flow: 'device_code' }));
  assert.equal(dev.oauth?.clientAuth, 'none');
  assert.equal(dev.oauth?.deviceCodeUrl, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/devicecode`);
});

test('national clouds change the login, mail and Graph hosts and the scope prefixes', () => {
  const gov = parseResource(applyPreset({ ...base, name: 'gov', kind: 'imap', cloud: 'usgovhigh' }));
  assert.equal(gov.server.host, 'outlook.office365.us');
  assert.equal(gov.oauth?.tokenUrl, `https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token`);
  assert.equal(gov.oauth?.scope, 'offline_access https://outlook.office365.us/IMAP.AccessAsUser.All');
  const dod = parseResource(applyPreset({ ...base, name: 'dod', kind: 'graph', cloud: 'dod' }));
  assert.equal(dod.server.host, 'https://dod-graph.microsoft.us');
  const cn = parseResource(applyPreset({ ...base, name: 'cn', kind: 'smtp', cloud: 'china' }));
  assert.equal(cn.server.host, 'smtp.partner.outlook.cn');
  assert.equal(cn.oauth?.scope, 'offline_access https://partner.outlook.cn/SMTP.Send');
});

test('sandbox overrides: authority and mail host, scopes stay Microsoft\'s', () => {
  const r = parseResource(applyPreset({
    ...base, name: 'sb', kind: 'imap', authorityUrl: 'http://127.0.0.1:4567/', mailHost: '127.0.0.1', port: 10993,
    tls: { insecureLoopback: true },
  }));
  assert.equal(r.oauth?.tokenUrl, `http://127.0.0.1:4567/${TENANT}/oauth2/v2.0/token`);
  assert.deepEqual(r.server, { host: '127.0.0.1', port: 10993, secure: 'tls' });
  assert.equal(r.oauth?.scope, 'offline_access https://outlook.office365.com/IMAP.AccessAsUser.All');
  const ews = parseResource(applyPreset({ ...base, name: 'sbews', kind: 'ews', mailHost: 'http://127.0.0.1:8080' }));
  assert.deepEqual([ews.server.host, ews.server.port, ews.server.secure], ['http://127.0.0.1:8080', 8080, 'none']);
});

test('gmail preset and its refusal of EWS', () => {
  const r = parseResource(applyPreset({ preset: 'gmail', name: 'gm', kind: 'smtp', clientId: 'x.apps.googleusercontent.com', user: 'me@gmail.com' }));
  assert.deepEqual(r.server, { host: 'smtp.gmail.com', port: 465, secure: 'tls' });
  assert.equal(r.oauth?.authorizeUrl, 'https://accounts.google.com/o/oauth2/v2/auth');
  assert.equal(r.oauth?.tokenUrl, 'https://oauth2.googleapis.com/token');
  assert.equal(r.oauth?.scope, 'https://mail.google.com/');
  const imap = parseResource(applyPreset({ preset: 'gmail', name: 'gi', kind: 'imap', clientId: 'x', user: 'me@gmail.com' }));
  assert.deepEqual(imap.server, { host: 'imap.gmail.com', port: 993, secure: 'tls' });
  assert.throws(() => applyPreset({ preset: 'gmail', name: 'ge', kind: 'ews', clientId: 'x' }), (e: unknown) => e instanceof ConfigError && e.field === 'kind');
});

test('m365 without a tenant names the field and the fix', () => {
  assert.throws(() => applyPreset({ name: 'x', kind: 'imap', clientId: CLIENT }), (e: unknown) =>
    e instanceof ConfigError && e.field === 'tenantId' && /tenant/i.test(e.hint));
});

test('generic preset takes everything explicitly', () => {
  const r = parseResource(applyPreset({
    preset: 'generic', name: 'gen', kind: 'imap', mailHost: 'mail.example.org', secure: 'tls',
    authorizeUrl: 'https://id.example.org/auth', tokenUrl: 'https://id.example.org/token', clientId: 'c', scope: 'mail',
  }));
  assert.deepEqual(r.server, { host: 'mail.example.org', port: 993, secure: 'tls' });
  assert.equal(r.oauth?.tokenUrl, 'https://id.example.org/token');
  assert.throws(() => parseResource(applyPreset({ preset: 'generic', name: 'g2', kind: 'imap' })), (e: unknown) => e instanceof ConfigError && e.field === 'server');
});
