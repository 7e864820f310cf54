import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, call, rawMessage, startGraphRig, type GraphRig } from './support.js';

type DeltaPage = { value: Record<string, unknown>[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

describe('graph endpoint: messages delta', () => {
  let rig: GraphRig;
  let token: string;
  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'Mail.ReadWrite' });
    for (let i = 0; i < 5; i++) await rig.ctx.store.deliver(rawMessage({ subject: `d${i}` }), { from: 'carol@example.org', to: [ALICE] });
  });
  after(async () => { await rig.close(); });

  /** Follow nextLinks to the deltaLink; returns every item and the deltaLink. */
  async function round(start: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string; pages: number }> {
    const items: Record<string, unknown>[] = [];
    let url = start;
    for (let pages = 1; pages < 50; pages++) {
      const r = await call(rig.ctx.tls.ca, url, { token, headers: { prefer: 'odata.maxpagesize=2' } });
      assert.equal(r.status, 200, r.text);
      const page = r.json<DeltaPage>();
      items.push(...page.value);
      if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'], pages };
      assert.ok(page['@odata.nextLink'], 'a page has a nextLink or a deltaLink');
      url = page['@odata.nextLink'];
    }
    throw new Error('delta did not end');
  }

  it('initial sync pages with odata.maxpagesize, then reports created, updated and @removed', async () => {
    const first = await round(`${rig.base}/me/mailFolders/inbox/messages/delta?$select=subject,isRead`);
    assert.equal(first.pages, 3);
    assert.deepEqual(first.items.map((m) => m['subject']).sort(), ['d0', 'd1', 'd2', 'd3', 'd4']);
    assert.deepEqual(Object.keys(first.items[0]!).sort(), ['@odata.etag', '@odata.type', 'id', 'isRead', 'subject']);

    const empty = await round(first.deltaLink);
    assert.equal(empty.items.length, 0);

    const inbox = rig.ctx.store.mailbox(ALICE)!.folder('inbox')!;
    const [m0, m1] = inbox.list();
    assert.ok(m0 && m1);
    await rig.ctx.store.deliver(rawMessage({ subject: 'd5' }), { from: 'carol@example.org', to: [ALICE] });
    inbox.setFlags(m0.uid, ['\\Seen']);
    await inbox.moveTo(m1.uid, rig.ctx.store.mailbox(ALICE)!.folder('archive')!);

    const next = await round(empty.deltaLink);
    const removed = next.items.filter((m) => '@removed' in m);
    assert.equal(removed.length, 1);
    assertShape(removed[0], fixture('delta-removed.json'));
    assert.equal(removed[0]!['id'], m1.id);
    const changed = next.items.filter((m) => !('@removed' in m));
    assert.deepEqual(changed.map((m) => m['subject']).sort(), ['d0', 'd5']);
    assert.equal(changed.find((m) => m['subject'] === 'd0')!['isRead'], true, '$select carried in the token');
  });

  it('answers 410 for a token it cannot read', async () => {
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/inbox/messages/delta?$deltatoken=garbage`, { token });
    assert.equal(r.status, 410);
    assertShape(r.json(), fixture('error.json'));
    const other = (await round(`${rig.base}/me/mailFolders/inbox/messages/delta`)).deltaLink.replace('/inbox/', '/archive/');
    const wrongFolder = await call(rig.ctx.tls.ca, other, { token });
    assert.equal(wrongFolder.status, 410);
  });
});
