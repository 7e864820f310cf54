import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SANDBOX, SandboxSeedError, defaultSeed, loadSeedFile, startIdentityEmulator } from '@mailbridge/sandbox';
import { postForm } from './support.js';

describe('identity emulator: seed files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mb-seed-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('has the documented default tenant, users and apps', () => {
    const s = defaultSeed();
    assert.equal(s.tenant.id, SANDBOX.tenantId);
    assert.deepEqual(s.users.map((u) => u.username), [SANDBOX.alice, SANDBOX.bob]);
    assert.deepEqual(s.apps.map((a) => [a.clientId, a.type]), [[SANDBOX.confidentialClientId, 'confidential'], [SANDBOX.publicClientId, 'public']]);
    assert.equal(s.options.deviceCodeExpiresInSeconds, 900);
  });

  it('loads a YAML seed with defaults filled in, and the emulator serves it', async () => {
    const file = join(dir, 'seed.yaml');
    await writeFile(file, `
tenant: { id: 11111111-2222-4333-8444-555555555555, domain: fabrikam.onmicrosoft.com }
users:
  - { username: dan@fabrikam.onmicrosoft.com, password: pw }
apps:
  - clientId: 99999999-0000-4000-8000-000000000001
    displayName: daemon
    type: confidential
    secrets: [{ value: s3cret }]
    applicationPermissions: [https://outlook.office365.com/IMAP.AccessAsApp]
    adminConsentApplication: true
options: { deviceCodeIntervalSeconds: 1 }
`);
    const seed = await loadSeedFile(file);
    assert.equal(seed.options.deviceCodeIntervalSeconds, 1);
    assert.equal(seed.options.deviceCodeExpiresInSeconds, 900);
    const em = await startIdentityEmulator({ seed });
    try {
      const r = await postForm(`${em.url}/fabrikam.onmicrosoft.com/oauth2/v2.0/token`, {
        grant_type: 'client_credentials', client_id: '99999999-0000-4000-8000-000000000001', client_secret: 's3cret', scope: 'https://outlook.office365.com/.default',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    } finally {
      await em.close();
    }
  });

  it('loads JSON too, and rejects a bad seed with a SandboxSeedError naming the field', async () => {
    const json = join(dir, 'seed.json');
    await writeFile(json, JSON.stringify({ tenant: { id: SANDBOX.tenantId, domain: 'x.onmicrosoft.com' }, users: [{ username: 'nope', password: 'p' }] }));
    await assert.rejects(loadSeedFile(json), (e: unknown) => e instanceof SandboxSeedError && e.code === 'SANDBOX_SEED_INVALID' && e.field === 'users.0.username');
    const badPerm = join(dir, 'perm.json');
    await writeFile(badPerm, JSON.stringify({ tenant: { id: SANDBOX.tenantId, domain: 'x.onmicrosoft.com' }, apps: [{ clientId: SANDBOX.publicClientId, displayName: 'a', type: 'public', delegatedPermissions: ['https://outlook.office365.com/Nope.All'] }] }));
    await assert.rejects(loadSeedFile(badPerm), (e: unknown) => e instanceof SandboxSeedError && e.field === 'apps.0.delegatedPermissions' && /Nope\.All/.test(e.message));
    await assert.rejects(loadSeedFile(join(dir, 'missing.yaml')), (e: unknown) => e instanceof SandboxSeedError && e.code === 'SANDBOX_SEED_UNREADABLE');
  });

  it('keeps the CA and signing key in the data dir so they survive a restart', async () => {
    const dataDir = join(dir, 'data');
    const a = await startIdentityEmulator({ dataDir });
    const { access_token } = await a.admin.mintAccessToken({ username: SANDBOX.alice, audience: 'https://outlook.office365.com' });
    await a.close();
    const b = await startIdentityEmulator({ dataDir });
    try {
      assert.equal(b.caPem, a.caPem);
      assert.equal((await postForm(b.introspectionUrl, { token: access_token })).body.active, true, 'a token from before the restart still verifies');
    } finally {
      await b.close();
    }
  });
});
