/**
 * `mailbridge calendar|contacts|tasks` spawned as a user runs it, against the Exchange
 * sandbox's Graph endpoint with an app-only (client credentials) graph resource.
 */
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
import { startGraphWorld, uniqueUser, type GraphWorld } from '../mail/graph-support.js';
import { mailbridge } from '../helpers/cli.js';


describe('mailbridge calendar / contacts / tasks (graph)', { timeout: 150_000 }, () => {
  let w: GraphWorld;
  let home: string;
  const cli = (args: string[]) => mailbridge(home, args);
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await cli(['--json', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    w = await startGraphWorld();
    const user = uniqueUser();
    w.delegated(user);
    w.sandbox.admin.grantFullAccess(user, SANDBOX.confidentialClientId);
    home = await mkdtemp(join(tmpdir(), 'mb-cli-entities-'));
    const store = await openStore({ home, env: {} });
    await store.putResource(parseResource(applyPreset({
      name: 'g', kind: 'graph', tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId, flow: 'client_credentials', user,
      authorityUrl: w.identity.url, mailHost: w.graphUrl, tls: { caFile: w.caFile },
    })));
    await store.putSecret('g', 'client_secret', new Secret(SANDBOX.clientSecret));
    // The identity emulator registers no Calendars/Contacts/Tasks application permissions yet,
    // so the token the CLI finds cached is one minted with those roles (signed like any other).
    const minted = await w.identity.admin.mintAccessToken({
      clientId: SANDBOX.confidentialClientId, audience: 'https://graph.microsoft.com',
      roles: ['Mail.ReadWrite', 'Mail.Send', 'Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite.All'],
    });
    await store.putAccessToken('g', { audience: 'https://graph.microsoft.com', token: new Secret(minted.access_token), expiresAt: minted.expires_on * 1000 });
    await store.close();
  });
  after(async () => { await w.close(); });

  it('calendar: add, list in a window, update, delete', async () => {
    const added = await json<{ id: string; subject: string }>(['calendar', 'g', 'add', '--subject', 'Review', '--start', '2024-05-01T09:00:00Z', '--end', '2024-05-01T10:00:00Z', '--location', 'Room 1']);
    assert.equal(added.subject, 'Review');
    const listed = await json<Array<{ id: string; start: string; location?: string }>>(['calendar', 'g', 'list', '--from', '2024-05-01', '--to', '2024-05-02']);
    assert.deepEqual(listed.map((e) => [e.id, e.start, e.location]), [[added.id, '2024-05-01T09:00:00Z', 'Room 1']]);
    const updated = await json<{ subject: string }>(['calendar', 'g', 'update', added.id, '--data', '{"subject":"Review (moved)"}']);
    assert.equal(updated.subject, 'Review (moved)');
    assert.equal((await cli(['calendar', 'g', 'delete', added.id])).code, 0);
    const gone = await cli(['calendar', 'g', 'get', added.id]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /GRAPH_ITEM_NOT_FOUND/);
  });

  it('contacts and tasks round trip', async () => {
    const c = await json<{ id: string; emailAddresses: string[] }>(['contacts', 'g', 'add', '--name', '山田 太郎', '--email', 'taro@example.jp']);
    assert.deepEqual(c.emailAddresses, ['taro@example.jp']);
    const found = await json<Array<{ id: string }>>(['contacts', 'g', 'list', '--text', '山田']);
    assert.deepEqual(found.map((x) => x.id), [c.id]);
    const t = await json<{ id: string; status: string }>(['tasks', 'g', 'add', '--title', 'File report', '--due', '2024-05-03T17:00:00Z']);
    assert.equal(t.status, 'notStarted');
    const done = await json<{ status: string }>(['tasks', 'g', 'update', t.id, '--status', 'completed']);
    assert.equal(done.status, 'completed');
    assert.equal((await cli(['tasks', 'g', 'delete', t.id])).code, 0);
    assert.deepEqual(await json(['tasks', 'g', 'list']), []);
  });

  it('bad input is one line naming the field, and nothing is sent', async () => {
    const r = await cli(['calendar', 'g', 'add', '--subject', 'x', '--start', 'tomorrow', '--end', '2024-05-01T10:00:00Z']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /start/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const bad = await cli(['tasks', 'g', 'frobnicate']);
    assert.match(bad.stderr, /unknown action "frobnicate"/);
  });
});
