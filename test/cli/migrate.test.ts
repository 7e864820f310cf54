/** `mailbridge resource migrate RESOURCE --to graph`, spawned, then the migrated resource used. */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';
import { SANDBOX } from '@mailbridge/sandbox';
import { openStore } from '../../src/store/open.js';
import { rawMessage, startGraphWorld, uniqueUser, type GraphWorld } from '../mail/graph-support.js';
import { mailbridge } from '../helpers/cli.js';


describe('mailbridge resource migrate --to graph', { timeout: 90_000 }, () => {
  let w: GraphWorld;
  let home: string;
  let user: string;
  const cli = (args: string[]) => mailbridge(home, args);

  before(async () => {
    w = await startGraphWorld();
    user = uniqueUser();
    await w.deliver(user, rawMessage(1, { to: user, subject: 'after migration' }));
    w.sandbox.admin.grantFullAccess(user, SANDBOX.confidentialClientId);
    home = await mkdtemp(join(tmpdir(), 'mb-cli-migrate-'));
    const store = await openStore({ home, env: {} });
    const base = { tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId, user, authorityUrl: w.identity.url } as const;
    await store.putResource(parseResource(applyPreset({ ...base, name: 'ex', kind: 'ews', ewsV1: true })));
    await store.putResource(parseResource(applyPreset({ ...base, name: 'exapp', kind: 'ews', flow: 'client_credentials', tls: { caFile: w.caFile } })));
    await store.putSecret('exapp', 'client_secret', new Secret(SANDBOX.clientSecret));
    await store.putResource(parseResource(applyPreset({ ...base, name: 'in', kind: 'imap' })));
    await store.close();
  });
  after(async () => { await w.close(); });

  it('rewrites kind, URL and scopes, keeps client and tenant, and names the consent to give again', async () => {
    const r = await cli(['resource', 'migrate', 'ex', '--to', 'graph']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /migrated resource "ex" from EWS to Microsoft Graph/);
    assert.match(r.stdout, /https:\/\/outlook\.office365\.com → https:\/\/graph\.microsoft\.com/);
    assert.match(r.stdout, /Mail\.ReadWrite, Mail\.Send, User\.Read/);
    assert.match(r.stdout, /mailbridge auth ex/);
    const shown = JSON.parse((await cli(['--json', 'resource', 'show', 'ex'])).stdout) as { resource: { kind: string; server: { host: string }; oauth: { clientId: string; tenantId: string; scope: string; authorizeUrl: string } } };
    assert.equal(shown.resource.kind, 'graph');
    assert.equal(shown.resource.server.host, 'https://graph.microsoft.com');
    assert.equal(shown.resource.oauth.clientId, SANDBOX.confidentialClientId);
    assert.equal(shown.resource.oauth.tenantId, SANDBOX.tenantId);
    assert.equal(shown.resource.oauth.scope, 'offline_access https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read');
    assert.match(shown.resource.oauth.authorizeUrl, /\/oauth2\/v2\.0\/authorize$/);
  });

  it('an app-only resource needs admin consent, and works through Graph once migrated', async () => {
    const r = await cli(['--json', 'resource', 'migrate', 'exapp', '--to', 'graph', '--host', w.graphUrl]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { consent: { kind: string; permissions: string[] }; resource: { oauth: { scope: string } } };
    assert.equal(out.consent.kind, 'admin');
    assert.deepEqual(out.consent.permissions, ['Mail.ReadWrite', 'Mail.Send']);
    assert.equal(out.resource.oauth.scope, 'https://graph.microsoft.com/.default');
    const list = await cli(['--json', 'list', 'exapp']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ subject: string }>).map((m) => m.subject), ['after migration']);
  });

  it('refuses what it cannot migrate, writing nothing', async () => {
    const imap = await cli(['resource', 'migrate', 'in', '--to', 'graph']);
    assert.notEqual(imap.code, 0);
    assert.match(imap.stderr, /only ews resources migrate/);
    const again = await cli(['resource', 'migrate', 'ex', '--to', 'graph']);
    assert.match(again.stderr, /already a graph resource/);
    const other = await cli(['resource', 'migrate', 'ex', '--to', 'imap']);
    assert.match(other.stderr, /use --to graph/);
  });
});
