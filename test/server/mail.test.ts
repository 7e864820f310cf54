import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadRig, type Rig } from '../helpers/rig.js';
import { addRigResource, startService, type Service } from './support.js';

let svc: Service;
let rig: Rig;
let user: string;

const RAW = [
  'From: Sender <sender@example.test>', 'To: someone@contoso.onmicrosoft.com', 'Subject: report with attachment',
  'Message-ID: <att-1@example.test>', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '',
  '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'see attached', '',
  '--b1', 'Content-Type: application/octet-stream; name="first.bin"', 'Content-Disposition: attachment; filename="first.bin"', 'Content-Transfer-Encoding: base64', '',
  Buffer.from('first attachment bytes').toString('base64'), '',
  '--b1', 'Content-Type: text/csv; name="data.csv"', 'Content-Disposition: attachment; filename="data.csv"', 'Content-Transfer-Encoding: base64', '',
  Buffer.from('a,b\n1,2\n').toString('base64'), '', '--b1--', '',
].join('\r\n');

before(async () => {
  rig = loadRig();
  svc = await startService();
  await svc.listen();
  user = rig.uniqueMailbox();
  await addRigResource(svc, rig, 'in', 'imap', user);
  await addRigResource(svc, rig, 'out', 'smtp', user);
});
after(async () => svc?.close());

test('send through the smtp resource, then list, get, raw and stream an attachment through the imap resource', async () => {
  await rig.deliver(user, RAW);
  const sent = await svc.api('POST', '/api/mail/out/send', { to: [user], subject: 'hello from the API', text: 'body text',
    attachments: [{ filename: 'note.txt', contentType: 'text/plain', contentBase64: Buffer.from('note').toString('base64') }] });
  assert.equal(sent.status, 200, sent.text);
  assert.deepEqual(sent.json.accepted, [user]);
  await rig.waitForMessages(user, 2);

  const folders = await svc.api('GET', '/api/mail/in/folders');
  assert.ok(folders.json.some((f: { path: string }) => f.path === 'INBOX'));
  const list = await svc.api('GET', '/api/mail/in/messages?subject=report');
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.length, 1);
  const id = list.json[0].id as string;
  const all = await svc.api('GET', '/api/mail/in/messages?limit=10');
  assert.deepEqual(all.json.map((m: { subject: string }) => m.subject).sort(), ['hello from the API', 'report with attachment']);

  const msg = await svc.api('GET', `/api/mail/in/messages/${id}`);
  assert.equal(msg.json.subject, 'report with attachment');
  assert.deepEqual(msg.json.attachments.map((a: { filename: string }) => a.filename), ['first.bin', 'data.csv']);

  const raw = await fetch(`${svc.base}/api/mail/in/messages/${id}/raw`, { headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(raw.status, 200);
  assert.match(raw.headers.get('content-type') ?? '', /message\/rfc822/);
  assert.match(await raw.text(), /Message-ID: <att-1@example.test>/);

  const att = await fetch(`${svc.base}/api/mail/in/messages/${id}/attachments/1`, { headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(att.status, 200);
  assert.match(att.headers.get('content-type') ?? '', /text\/csv/);
  assert.match(att.headers.get('content-disposition') ?? '', /data\.csv/);
  assert.equal(await att.text(), 'a,b\n1,2\n');
  const none = await svc.api('GET', `/api/mail/in/messages/${id}/attachments/5`);
  assert.equal(none.status, 404);
  assert.equal(none.json.error.code, 'ATTACHMENT_NOT_FOUND');
});

test('mark, copy, move and delete act on the server', async () => {
  await rig.deliver(user, 'From: a@example.test\r\nTo: b@example.test\r\nSubject: ops target\r\nMessage-ID: <ops-1@example.test>\r\n\r\nbody\r\n');
  const [m] = (await svc.api('GET', '/api/mail/in/messages?subject=ops%20target')).json as { id: string; seen: boolean }[];
  assert.ok(m);
  assert.equal(m.seen, false);
  assert.equal((await svc.api('POST', '/api/mail/in/mark', { ids: [m.id], read: true })).status, 200);
  assert.equal((await svc.api('GET', '/api/mail/in/messages?subject=ops%20target')).json[0].seen, true);
  assert.equal((await svc.api('GET', '/api/mail/in/messages?subject=ops%20target&unseen=true')).json.length, 0);
  const nothing = await svc.api('POST', '/api/mail/in/mark', { ids: [m.id] });
  assert.equal(nothing.status, 400);
  const missingFolder = await svc.api('POST', '/api/mail/in/copy', { ids: [m.id], to: 'Archive' });
  assert.equal(missingFolder.status, 404, 'a folder that does not exist');
  await rig.doveadm(['mailbox', 'create', '-u', user, 'Archive']);
  await rig.doveadm(['mailbox', 'create', '-u', user, 'Trash']);
  assert.equal((await svc.api('POST', '/api/mail/in/copy', { ids: [m.id], to: 'Archive' })).status, 200);
  assert.equal((await svc.api('GET', '/api/mail/in/messages?folder=Archive&subject=ops')).json.length, 1);
  assert.equal((await svc.api('POST', '/api/mail/in/move', { ids: [m.id], to: 'Trash' })).status, 200);
  assert.equal((await svc.api('GET', '/api/mail/in/messages?subject=ops%20target')).json.length, 0);
  const [inTrash] = (await svc.api('GET', '/api/mail/in/messages?folder=Trash&subject=ops')).json as { id: string }[];
  assert.equal((await svc.api('POST', '/api/mail/in/delete', { ids: [inTrash!.id], folder: 'Trash' })).status, 200);
  assert.equal(await rig.countMessages(user, 'Trash'), 0);
});

test('bad input and unsupported operations are typed errors', async () => {
  const badDate = await svc.api('GET', '/api/mail/in/messages?since=yesterday-ish');
  assert.equal(badDate.status, 400);
  assert.equal(badDate.json.error.code, 'FILTER_INVALID');
  const noBody = await svc.api('POST', '/api/mail/out/send', { to: [user], subject: 'x' });
  assert.equal(noBody.status, 400);
  assert.equal(noBody.json.error.code, 'SEND_NO_BODY');
  const listOnSmtp = await svc.api('GET', '/api/mail/out/messages');
  assert.equal(listOnSmtp.status, 400);
  assert.equal(listOnSmtp.json.error.code, 'MAIL_OPERATION_UNSUPPORTED');
  const unknown = await svc.api('GET', '/api/mail/nope/messages');
  assert.equal(unknown.status, 404);
});

test('test receive and test send succeed; a refused login shows the server\'s own words', async () => {
  const receive = await svc.api('POST', '/api/resources/in/test', {});
  assert.equal(receive.json.ok, true, receive.text);
  assert.equal(receive.json.action, 'receive');
  const send = await svc.api('POST', '/api/resources/out/test', {});
  assert.equal(send.json.ok, true, send.text);
  assert.equal(send.json.action, 'send');
  // The same resource pointed at a mailbox its token does not belong to: the server refuses the login.
  await svc.api('PATCH', '/api/resources/in', { user: rig.uniqueMailbox() });
  const refused = await svc.api('POST', '/api/resources/in/test', {});
  assert.equal(refused.json.ok, false);
  assert.equal(refused.json.error.code, 'IMAP_AUTH_FAILED');
  assert.match(refused.json.error.serverResponse, /AUTHENTICATIONFAILED/, 'the server\'s own words');
  assert.ok(refused.json.error.hint);
  await svc.api('PATCH', '/api/resources/in', { user });
});

test('the doctor\'s report over the API', async () => {
  const report = await svc.api('GET', '/api/resources/in/doctor');
  assert.equal(report.status, 200);
  assert.equal(report.json.ok, true, report.text);
  assert.ok(report.json.checks.some((c: { name: string; status: string }) => c.name === 'login' && c.status === 'pass'));
});
