import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Secret } from '../../src/secret.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/triggers/webhook.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { startReceiver, type Receiver } from './receiver.js';
import { addRigResource, startService, type Service } from './support.js';

let svc: Service;
let rig: Rig;
let user: string;
let receiver: Receiver;

before(async () => {
  rig = loadRig();
  svc = await startService();
  await svc.listen();
  receiver = await startReceiver();
  user = rig.uniqueMailbox();
  await addRigResource(svc, rig, 'watched', 'imap', user);
  await addRigResource(svc, rig, 'sender', 'smtp', user);
  await svc.runner.start();
});
after(async () => {
  await svc?.close();
  await receiver?.close();
});

const message = (subject: string, id: string): string =>
  `From: a@example.test\r\nTo: ${'b@example.test'}\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.test>\r\n\r\nbody of ${subject}\r\n`;

/** Polls the history until a row with this status shows up (bounded). */
async function waitForDelivery(trigger: string, status: string): Promise<{ id: string; status: string; subject: string; lastError?: string }> {
  for (let i = 0; i < 300; i++) {
    const rows = (await svc.api('GET', `/api/triggers/${trigger}/history`)).json as { id: string; status: string; subject: string }[];
    const hit = rows.find((r) => r.status === status);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${status} delivery for ${trigger} within 30 s`);
}

test('trigger CRUD: add (secret shown once), read, replace, typed errors, remove', async () => {
  const added = await svc.api('POST', '/api/triggers', { name: 'crud', resource: 'watched', target: { kind: 'webhook', url: receiver.url }, mode: 'poll', pollIntervalSeconds: 600 });
  assert.equal(added.status, 201, added.text);
  assert.match(added.json.secret, /^[A-Za-z0-9_-]{43}$/);
  const one = await svc.api('GET', '/api/triggers/crud');
  assert.equal(one.json.definition.folder, 'INBOX');
  assert.ok(!one.text.includes(added.json.secret), 'the secret is not shown again');
  const replaced = await svc.api('PUT', '/api/triggers/crud', { resource: 'watched', target: { kind: 'webhook', url: receiver.url }, afterAction: 'read', mode: 'poll', pollIntervalSeconds: 600 });
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(replaced.json.trigger.definition.afterAction, 'read');
  assert.equal(replaced.json.secret, undefined, 'the stored secret is kept');
  const dup = await svc.api('POST', '/api/triggers', { name: 'crud', resource: 'watched', target: { kind: 'webhook', url: receiver.url } });
  assert.equal(dup.status, 409);
  const onSmtp = await svc.api('POST', '/api/triggers', { name: 'bad1', resource: 'sender', target: { kind: 'webhook', url: receiver.url } });
  assert.equal(onSmtp.status, 400);
  assert.equal(onSmtp.json.error.code, 'TRIGGER_UNSUPPORTED_FOR_RESOURCE');
  const badUrl = await svc.api('POST', '/api/triggers', { name: 'bad2', resource: 'watched', target: { kind: 'webhook', url: 'ftp://x' } });
  assert.equal(badUrl.status, 400);
  assert.equal(badUrl.json.error.field, 'target.url');
  assert.ok((await svc.api('GET', '/api/triggers')).json.some((t: { definition: { name: string } }) => t.definition.name === 'crud'));
  assert.equal((await svc.api('DELETE', '/api/triggers/crud')).status, 200);
  assert.equal((await svc.api('GET', '/api/triggers/crud')).status, 404);
});

test('a new message is delivered to the webhook, signed, and shows in the history', async () => {
  const added = await svc.api('POST', '/api/triggers', { name: 'hook', resource: 'watched', target: { kind: 'webhook', url: receiver.url },
    mode: 'poll', pollIntervalSeconds: 1, start: 'all', filters: { subjectContains: 'hook-me' } });
  assert.equal(added.status, 201, added.text);
  await rig.deliver(user, message('please hook-me', 'hook-1'));
  const row = await waitForDelivery('hook', 'delivered');
  assert.equal(row.subject, 'please hook-me');
  const req = receiver.received.find((r) => r.body.includes('hook-1@example.test'));
  assert.ok(req, 'the receiver got the message');
  assert.ok(verifyWebhookSignature(new Secret(added.json.secret), String(req.headers[TIMESTAMP_HEADER]), req.body, String(req.headers[SIGNATURE_HEADER])));
  const paused = await svc.api('POST', '/api/triggers/hook/pause', { reason: 'maintenance' });
  assert.equal(paused.json.paused, true);
  assert.equal(paused.json.pauseReason, 'maintenance');
  const resumed = await svc.api('POST', '/api/triggers/hook/resume');
  assert.equal(resumed.json.paused, false);
  const events = (await svc.api('GET', '/api/triggers/hook')).json.events as { kind: string }[];
  assert.ok(events.some((e) => e.kind === 'paused') && events.some((e) => e.kind === 'resumed'));
  await svc.api('DELETE', '/api/triggers/hook');
});

test('a failing receiver ends in the dead-letter list; replay delivers it once the receiver works', async () => {
  const bad = await startReceiver();
  bad.status = 500;
  try {
    const added = await svc.api('POST', '/api/triggers', { name: 'deadly', resource: 'watched', target: { kind: 'webhook', url: bad.url },
      mode: 'poll', pollIntervalSeconds: 1, start: 'all', filters: { subjectContains: 'dead-me' }, retry: { maxAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 10 } });
    assert.equal(added.status, 201, added.text);
    await rig.deliver(user, message('please dead-me', 'dead-1'));
    const dead = await waitForDelivery('deadly', 'dead');
    const deadList = await svc.api('GET', '/api/triggers/deadly/history?status=dead');
    assert.deepEqual(deadList.json.map((d: { id: string }) => d.id), [dead.id]);
    assert.match(String(deadList.json[0].lastError), /500/);
    bad.status = 200;
    const replayed = await svc.api('POST', `/api/deliveries/${dead.id}/replay`);
    assert.equal(replayed.status, 200, replayed.text);
    assert.equal(replayed.json.status, 'delivered');
    assert.equal((await svc.api('GET', '/api/triggers/deadly/history?status=dead')).json.length, 0);
    const again = await svc.api('POST', `/api/deliveries/${dead.id}/replay`);
    assert.equal(again.status, 400);
    assert.equal(again.json.error.code, 'TRIGGER_DELIVERY_DONE');
    assert.equal((await svc.api('POST', '/api/deliveries/nope/replay')).status, 404);
  } finally {
    await svc.api('DELETE', '/api/triggers/deadly');
    await bad.close();
  }
});

test('an attachment over the inline limit arrives as a link the REST API serves (with an API key)', async () => {
  const added = await svc.api('POST', '/api/triggers', { name: 'linked', resource: 'watched',
    target: { kind: 'webhook', url: receiver.url, inlineAttachmentMaxBytes: 1000, attachmentLinkBase: svc.base },
    mode: 'poll', pollIntervalSeconds: 1, start: 'all', filters: { subjectContains: 'link-me' } });
  assert.equal(added.status, 201, added.text);
  const bytes = Buffer.alloc(5000, 0x5a);
  const small = Buffer.from('tiny');
  const raw = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: please link-me\r\nMessage-ID: <link-1@example.test>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nsee attachments\r\n' +
    `--q\r\nContent-Type: application/octet-stream; name=big.bin\r\nContent-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${bytes.toString('base64')}\r\n` +
    `--q\r\nContent-Type: text/plain; name=small.txt\r\nContent-Disposition: attachment; filename=small.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n${small.toString('base64')}\r\n--q--\r\n`;
  await rig.deliver(user, raw);
  await waitForDelivery('linked', 'delivered');
  const req = receiver.received.find((r) => r.body.includes('link-1@example.test'));
  assert.ok(req, 'the receiver got the message');
  const payload = JSON.parse(req.body) as { message: { attachments: { filename: string; omitted?: true; url?: string; contentBase64?: string }[] } };
  const [big, tiny] = payload.message.attachments;
  assert.equal(tiny?.contentBase64, small.toString('base64'), 'small attachments stay inline');
  assert.equal(big?.omitted, true);
  const url = big?.url ?? '';
  assert.ok(url.startsWith(`${svc.base}/api/mail/watched/messages/`), url);
  const denied = await fetch(url);
  assert.equal(denied.status, 401, 'the link needs an API key');
  const got = await fetch(url, { headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(got.status, 200);
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
  await svc.api('DELETE', '/api/triggers/linked');
});
