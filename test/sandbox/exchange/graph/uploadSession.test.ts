import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, BOB, call, startGraphRig, type GraphRig } from './support.js';

describe('graph endpoint: attachments and upload sessions', () => {
  let rig: GraphRig;
  let token: string;
  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'Mail.ReadWrite Mail.Send' });
  });
  after(async () => { await rig.close(); });

  const draft = async (subject: string): Promise<string> => {
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, {
      method: 'POST', token, body: { subject, body: { contentType: 'Text', content: 'see attached' }, toRecipients: [{ emailAddress: { address: BOB } }] },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json<{ isDraft: boolean }>().isDraft, true);
    return r.json<{ id: string }>().id;
  };

  it('adds a small attachment (201) and serves list, get and $value', async () => {
    const id = await draft('small');
    const add = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments`, {
      method: 'POST', token, body: { '@odata.type': '#microsoft.graph.fileAttachment', name: 'note.txt', contentType: 'text/plain', contentBytes: Buffer.from('hello').toString('base64') },
    });
    assert.equal(add.status, 201, add.text);
    assertShape(add.json(), fixture('file-attachment.json'));
    const aid = add.json<{ id: string }>().id;
    const list = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments`, { token });
    assert.equal(list.json<{ value: unknown[] }>().value.length, 1);
    const one = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments/${aid}`, { token });
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json<{ name: string }>().name, 'note.txt');
    const raw = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments/${aid}/$value`, { token });
    assert.equal(raw.text, 'hello');
  });

  it('uploads a 5 MB attachment in 3 ordered chunks without Authorization, then sends it', async () => {
    const id = await draft('big one');
    const content = randomBytes(5 * 1024 * 1024);
    const created = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments/createUploadSession`, {
      method: 'POST', token, body: { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: content.length } },
    });
    assert.equal(created.status, 201, created.text);
    assertShape(created.json(), fixture('upload-session-create.json'));
    const { uploadUrl } = created.json<{ uploadUrl: string }>();
    assert.ok(uploadUrl.startsWith(rig.graph.url), 'same server');

    const put = (start: number, end: number) => call(rig.ctx.tls.ca, uploadUrl, {
      method: 'PUT', body: content.subarray(start, end + 1),
      headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${content.length}` },
    });
    const chunk = 2 * 1024 * 1024;
    const r1 = await put(0, chunk - 1);
    assert.equal(r1.status, 200, r1.text);
    assertShape(r1.json(), fixture('upload-session-chunk.json'));
    assert.deepEqual(r1.json<{ nextExpectedRanges: string[] }>().nextExpectedRanges, [String(chunk)]);
    const outOfOrder = await put(2 * chunk, content.length - 1);
    assert.equal(outOfOrder.status, 416);
    const r2 = await put(chunk, 2 * chunk - 1);
    assert.equal(r2.status, 200);
    const r3 = await put(2 * chunk, content.length - 1);
    assert.equal(r3.status, 201, r3.text);
    assert.match(String(r3.headers['location']), /Attachments\('/);

    const list = (await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments`, { token })).json<{ value: { name: string; size: number; id: string }[] }>().value;
    assert.deepEqual(list.map((a) => a.name), ['big.bin']);
    const sent = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/send`, { method: 'POST', token });
    assert.equal(sent.status, 202, sent.text);
    const bob = await rig.token({ user: BOB, scope: 'Mail.Read' });
    const inbox = (await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/inbox/messages?$filter=${encodeURIComponent("subject eq 'big one'")}`, { token: bob })).json<{ value: { id: string }[] }>().value;
    assert.equal(inbox.length, 1);
    const atts = (await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${inbox[0]!.id}/attachments`, { token: bob })).json<{ value: { id: string }[] }>().value;
    const bytes = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${inbox[0]!.id}/attachments/${atts[0]!.id}/$value`, { token: bob });
    assert.equal(createHash('sha256').update(bytes.body).digest('hex'), createHash('sha256').update(content).digest('hex'));
    assert.equal(rig.ctx.store.mailbox(ALICE)!.folder('sentitems')!.list().filter((m) => m.summary.subject === 'big one').length, 1);
    assert.equal(rig.ctx.store.mailbox(ALICE)!.folder('drafts')!.list().filter((m) => m.summary.subject === 'big one').length, 0);
  });

  it('refuses an upload URL with a wrong authtoken and a small attachment above 3 MB', async () => {
    const id = await draft('refusals');
    const created = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments/createUploadSession`, {
      method: 'POST', token, body: { AttachmentItem: { attachmentType: 'file', name: 'x.bin', size: 10 } },
    });
    const url = created.json<{ uploadUrl: string }>().uploadUrl.replace(/authtoken=[^&]+/, 'authtoken=wrong');
    const r = await call(rig.ctx.tls.ca, url, { method: 'PUT', body: Buffer.alloc(10), headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-9/10' } });
    assert.equal(r.status, 404);
    const big = await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${id}/attachments`, {
      method: 'POST', token, body: { name: 'big.bin', contentBytes: randomBytes(3 * 1024 * 1024 + 1).toString('base64') },
    });
    assert.equal(big.status, 413);
  });
});
