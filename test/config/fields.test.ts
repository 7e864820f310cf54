import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceFieldRows } from '../../src/config/fields.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';

const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const rows = (kind: 'imap' | 'smtp' | 'ews', secret?: Secret) => Object.fromEntries(resourceFieldRows(
  parseResource(applyPreset({ name: 'r', kind, tenantId: T, clientId: 'cid', user: 'user@tenant.onmicrosoft.com', ewsV1: true })),
  { status: 'Available', clientSecret: secret },
).map((r) => [r.label, r.value]));

test('Email receive rows use the platform\'s labels and values', () => {
  const r = rows('imap', new Secret('abcdefghijklmnopqrstuvwxyz'));
  assert.equal(r['Server type'], 'IMAP');
  assert.equal(r['Incoming mail server'], 'outlook.office365.com');
  assert.equal(r['Incoming port'], '993');
  assert.equal(r['Incoming secure connection'], 'Yes');
  assert.equal(r['Outgoing mail server'], '');
  assert.equal(r['Authentication type'], 'OAuth 2');
  assert.equal(r['OAuth refresh token status'], 'Available');
  assert.equal(r['Callback URL'], 'https://localhost');
  assert.equal(r['Client secret'], 'abc…(26 chars)');
  assert.ok(!Object.values(r).includes('abcdefghijklmnopqrstuvwxyz'));
});

test('Email send rows: outgoing server, port 587, TLS (= STARTTLS)', () => {
  const r = rows('smtp');
  assert.equal(r['Server type'], '');
  assert.equal(r['Outgoing mail server'], 'smtp.office365.com');
  assert.equal(r['Outgoing port'], '587');
  assert.equal(r['Outgoing secure connection'], 'TLS');
  assert.equal(r['From address'], 'user@tenant.onmicrosoft.com');
  assert.equal(r['Client secret'], '(not set)');
});

test('Exchange rows: server, domain, response mode', () => {
  const r = rows('ews');
  assert.equal(r.Server, 'https://outlook.office365.com');
  assert.equal(r.Domain, 'tenant.onmicrosoft.com');
  assert.equal(r['Authorization URL'], `https://login.microsoftonline.com/${T}/oauth2/authorize`);
  assert.equal(r['Response mode'], 'query');
});
