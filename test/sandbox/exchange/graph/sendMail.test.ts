import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, BOB, call, startGraphRig, type GraphRig } from './support.js';

type Page = { value: { id: string; subject: string; hasAttachments: boolean; from: { emailAddress: { address: string } } }[] };

describe('graph endpoint: sendMail', () => {
  let rig: GraphRig;
  let alice: string;
  let bob: string;
  before(async () => {
    rig = await startGraphRig();
    alice = await rig.token({ user: ALICE, scope: 'Mail.Send Mail.ReadWrite' });
    bob = await rig.token({ user: BOB, scope: 'Mail.Read' });
  });
  after(async () => { await rig.close(); });

  const bobInbox = async (subject: string) =>
    (await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/inbox/messages?$filter=${encodeURIComponent(`subject eq '${subject}'`)}`, { token: bob })).json<Page>().value;

  it("the documented request (JSON + attachment) answers 202 and lands in the recipient's inbox; saveToSentItems false keeps no copy", async () => {
    const body = fixture<{ message: Record<string, unknown>; saveToSentItems: string }>('sendmail-request.json');
    body.message['toRecipients'] = [{ emailAddress: { address: BOB } }];
    body.message['ccRecipients'] = [];
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/sendMail`, { method: 'POST', token: alice, body });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    assert.ok(r.headers['request-id']);
    const [got] = await bobInbox('Meet for lunch?');
    assert.ok(got, 'delivered to bob');
    assert.equal(got.from.emailAddress.address, ALICE);
    assert.equal(got.hasAttachments, true);
    const atts = (await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${got.id}/attachments`, { token: bob })).json<{ value: Record<string, unknown>[] }>().value;
    assert.equal(atts.length, 1);
    assertShape(atts[0], fixture('file-attachment.json'));
    assert.equal(Buffer.from(String(atts[0]!['contentBytes']), 'base64').toString(), 'Hello World!');
    const headers = (await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${got.id}?$select=internetMessageHeaders`, { token: bob }))
      .json<{ internetMessageHeaders: { name: string; value: string }[] }>().internetMessageHeaders;
    assert.ok(headers.some((h) => h.name.toLowerCase() === 'x-custom-header-group-name' && h.value === 'Nevada'));
    const sent = rig.ctx.store.mailbox(ALICE)!.folder('sentitems')!.list().filter((m) => m.summary.subject === 'Meet for lunch?');
    assert.equal(sent.length, 0, 'saveToSentItems "false"');
  });

  it('by default keeps a copy in sentitems (Bcc kept there, not delivered in the header)', async () => {
    const r = await call(rig.ctx.tls.ca, `${rig.base}/users/${encodeURIComponent(ALICE)}/sendMail`, {
      method: 'POST', token: alice,
      body: { message: { subject: 'Quarterly', body: { contentType: 'HTML', content: '<p>Numbers</p>' }, toRecipients: [{ emailAddress: { address: 'someone@example.org' } }], bccRecipients: [{ emailAddress: { address: BOB } }] } },
    });
    assert.equal(r.status, 202, r.text);
    const sent = (await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/sentitems/messages?$select=subject,bccRecipients,isRead`, { token: alice })).json<{ value: { subject: string; bccRecipients: unknown[]; isRead: boolean }[] }>().value;
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.subject, 'Quarterly');
    assert.equal(sent[0]!.bccRecipients.length, 1);
    assert.equal(sent[0]!.isRead, true);
    const [got] = await bobInbox('Quarterly');
    assert.ok(got, 'bcc recipient got it');
    const raw = (await call(rig.ctx.tls.ca, `${rig.base}/me/messages/${got.id}/$value`, { token: bob })).text;
    assert.doesNotMatch(raw, /^Bcc:/im);
  });

  it('MIME as base64 text/plain is sent as is; bad base64 gives the documented 400', async () => {
    const mime = [`From: ${ALICE}`, `To: ${BOB}`, 'Subject: Raw MIME', 'Message-ID: <raw-1@contoso.onmicrosoft.com>', 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'raw body', ''].join('\r\n');
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/sendMail`, { method: 'POST', token: alice, body: Buffer.from(mime).toString('base64'), headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 202, r.text);
    const [got] = await bobInbox('Raw MIME');
    assert.ok(got);
    const bad = await call(rig.ctx.tls.ca, `${rig.base}/me/sendMail`, { method: 'POST', token: alice, body: 'not base64!!', headers: { 'content-type': 'text/plain' } });
    assert.equal(bad.status, 400);
    assertShape(bad.json(), fixture('invalid-mime.json'));
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'ErrorMimeContentInvalidBase64String');
  });

  it('refuses a message without recipients and a header not starting with x-', async () => {
    const none = await call(rig.ctx.tls.ca, `${rig.base}/me/sendMail`, { method: 'POST', token: alice, body: { message: { subject: 'nobody' } } });
    assert.equal(none.status, 400);
    const hdr = await call(rig.ctx.tls.ca, `${rig.base}/me/sendMail`, {
      method: 'POST', token: alice, body: { message: { subject: 'h', toRecipients: [{ emailAddress: { address: BOB } }], internetMessageHeaders: [{ name: 'Custom', value: 'v' }] } },
    });
    assert.equal(hdr.status, 400);
    assert.equal(hdr.json<{ error: { code: string } }>().error.code, 'InvalidInternetMessageHeader');
  });
});
