import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TENANT_PATTERN, tenantIdProblem } from '../../src/config/tenant.js';
import { buildResource } from '../../src/services/resources.js';
import { NAME_PATTERN } from '../../src/server/console/resource-form.js';

const GUID = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';

test('a tenant id is a GUID, a domain name or a multi-tenant alias; a GUID one character short says so', () => {
  for (const ok of [
    GUID,
    GUID.toUpperCase(),
    'contoso.onmicrosoft.com',
    'mail.example.co.jp',
    'common',
    'organizations',
  ]) {
    assert.equal(tenantIdProblem(ok), undefined, ok);
  }
  assert.match(
    tenantIdProblem(GUID.slice(0, -1)) ?? '',
    /35 characters in groups 8-4-4-4-11, a GUID has 36 in groups 8-4-4-4-12/,
  );
  assert.match(tenantIdProblem('contoso') ?? '', /neither a Directory \(tenant\) ID \(a GUID\) nor a domain name/);
  assert.match(tenantIdProblem('-bad-.example') ?? '', /neither/);
});

test('the m365 preset refuses a malformed tenant id for every surface (the shared validation)', () => {
  const input = { name: 'x', kind: 'imap', preset: 'm365', clientId: 'c', user: 'a@contoso.onmicrosoft.com' };
  assert.throws(
    () => buildResource({ ...input, tenantId: GUID.slice(0, -1) }),
    (e: Error & { field?: string }) =>
      e.field === 'oauth.tenantId' && /looks like a Directory \(tenant\) ID/.test(e.message),
  );
  assert.doesNotThrow(() => buildResource({ ...input, tenantId: 'contoso.onmicrosoft.com' }));
});

test('the browser patterns compile with the v flag (as Chromium compiles `pattern`) and agree with the server', () => {
  // The old Name pattern ([…._-]) is a syntax error with v: Chromium then skipped the check.
  assert.throws(() => new RegExp('^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,62})$', 'v'));
  const name = new RegExp(`^(?:${NAME_PATTERN})$`, 'v');
  assert.ok(name.test('inbox-1_a.b'));
  assert.ok(!name.test('two words'));
  assert.ok(!name.test('-leading'));
  const tenant = new RegExp(`^(?:${TENANT_PATTERN})$`, 'v');
  for (const v of [GUID, GUID.slice(0, -1), 'contoso.onmicrosoft.com', 'contoso', 'common', 'x-.example']) {
    assert.equal(tenant.test(v), tenantIdProblem(v) === undefined, v);
  }
});
