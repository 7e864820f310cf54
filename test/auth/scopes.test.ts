import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analyseScope, canonicalResource, GRAPH_RESOURCE, OUTLOOK_RESOURCE, parseScope, resourceAudience, scopeForAudience,
  tokenRequestTarget, withOfflineAccess,
} from '../../src/auth/scopes.js';

test('scopes resolve to their resource as at Microsoft', () => {
  assert.equal(parseScope('https://outlook.office365.com/IMAP.AccessAsUser.All').resource, OUTLOOK_RESOURCE);
  assert.equal(parseScope('https://outlook.office.com/SMTP.Send').resource, OUTLOOK_RESOURCE, 'alias folds in');
  assert.equal(parseScope('SMTP.Send').resource, GRAPH_RESOURCE, 'bare names are Graph');
  assert.equal(parseScope('https://graph.microsoft.com/Mail.Read').permission, 'Mail.Read');
  assert.equal(parseScope('offline_access').resource, undefined);
  assert.equal(parseScope('api://1234/x/Read').resource, 'api://1234/x');
  assert.equal(canonicalResource('HTTPS://Outlook.Office365.com/'), OUTLOOK_RESOURCE);
});

test("the guide's send scope: token for Outlook, a warning naming SMTP.Send", () => {
  const a = analyseScope('https://outlook.office365.com/IMAP.AccessAsUser.All offline_access SMTP.Send');
  assert.equal(a.audience, OUTLOOK_RESOURCE);
  assert.equal(a.wantsRefreshToken, true);
  assert.deepEqual(a.otherResourceScopes.map((s) => s.raw), ['SMTP.Send']);
  assert.equal(a.warnings.length, 1);
  assert.match(a.warnings[0] ?? '', /SMTP\.Send/);
  assert.match(a.warnings[0] ?? '', /graph\.microsoft\.com/);
  assert.deepEqual(analyseScope('openid offline_access https://outlook.office365.com/EWS.AccessAsUser.All').warnings, []);
});

test('offline_access is added once', () => {
  assert.equal(withOfflineAccess('Mail.Read'), 'Mail.Read offline_access');
  assert.equal(withOfflineAccess('offline_access Mail.Read'), 'offline_access Mail.Read');
});

test('refresh scope: only the audience scopes, then OIDC, always offline_access', () => {
  const guide = 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access SMTP.Send';
  assert.equal(scopeForAudience(guide, OUTLOOK_RESOURCE), 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access');
  assert.equal(scopeForAudience(guide, GRAPH_RESOURCE), 'SMTP.Send offline_access');
  assert.equal(scopeForAudience('Mail.Read', OUTLOOK_RESOURCE), 'https://outlook.office365.com/.default offline_access');
});

test('the audience of a resource and what a token request names', () => {
  const oauth = { scope: 'Mail.Read offline_access', tokenUrl: 'https://login.microsoftonline.com/t/oauth2/v2.0/token' };
  assert.equal(resourceAudience({ kind: 'graph', oauth }), GRAPH_RESOURCE);
  assert.equal(resourceAudience({ kind: 'ews', oauth: { scope: '', resource: 'https://outlook.office365.com/' } }), OUTLOOK_RESOURCE);
  assert.equal(resourceAudience({ kind: 'imap', oauth: { scope: 'openid' } }), OUTLOOK_RESOURCE);
  assert.deepEqual(tokenRequestTarget(oauth, GRAPH_RESOURCE, 'app', false), { scope: 'https://graph.microsoft.com/.default' });
  assert.deepEqual(tokenRequestTarget(oauth, OUTLOOK_RESOURCE, 'delegated', true), { resource: OUTLOOK_RESOURCE });
});
