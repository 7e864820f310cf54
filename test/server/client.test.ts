/**
 * The contract driven for real: a client generated from the OpenAPI document (openapi-typescript
 * types in test/generated/api.ts, kept current by openapi.test.ts, + openapi-fetch) adds
 * resources, consents through the sandbox's identity platform, sends, lists and reads mail,
 * adds a trigger and reads its deliveries on the real service and the mail rig. A route whose
 * shape drifts from the document fails to type-check here or fails the service's own response
 * serialization (the same zod schemas) at run time.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import createClient from 'openapi-fetch';
import { SANDBOX } from '@mailbridge/sandbox';
import type { components, paths } from '../generated/api.js';
import { completeConsent } from '../helpers/consent.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { startReceiver, type Receiver } from './receiver.js';
import { startService, type Service } from './support.js';

let svc: Service;
let rig: Rig;
let user: string;
let receiver: Receiver;
let api: ReturnType<typeof createClient<paths>>;

before(async () => {
  rig = loadRig();
  svc = await startService({ syncIntervalMs: 200 });
  await svc.listen();
  receiver = await startReceiver();
  user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  api = createClient<paths>({ baseUrl: svc.base, headers: { authorization: `Bearer ${svc.key}` } });
});
after(async () => {
  await svc?.close();
  await receiver?.close();
});

const resource = (name: string, kind: 'imap' | 'smtp'): components['schemas']['NewResourceInput'] => ({
  name,
  kind,
  preset: 'm365',
  tenantId: rig.tenantId,
  clientId: SANDBOX.confidentialClientId,
  clientSecret: SANDBOX.clientSecret,
  user,
  ...(kind === 'smtp' ? { from: user } : {}),
  authorityUrl: rig.emulatorUrl,
  callbackUrl: 'http://127.0.0.1',
  mailHost: rig.host,
  port: kind === 'imap' ? rig.imap.port : rig.smtp.submissionPort,
  secure: kind === 'imap' ? 'tls' : 'starttls',
  tls: { caFile: rig.caFile },
});

async function connect(name: string): Promise<void> {
  const start = await api.POST('/api/resources/{name}/consent', { params: { path: { name } } });
  assert.ok(start.data, JSON.stringify(start.error));
  assert.equal(start.data.completion, 'callback');
  const back = await completeConsent(start.data.authorizeUrl, { username: user, password: rig.basicPassword.reveal() });
  assert.equal((await fetch(back)).status, 200);
  const token = await api.GET('/api/resources/{name}/token', { params: { path: { name } } });
  assert.equal(token.data?.status, 'Available');
}

test(
  'a generated client: add resources, consent, send, list, read, trigger, deliveries, typed errors',
  { timeout: 90_000 },
  async () => {
    for (const [name, kind] of [
      ['in', 'imap'],
      ['out', 'smtp'],
    ] as const) {
      const added = await api.POST('/api/resources', { body: resource(name, kind) });
      assert.equal(added.response.status, 201, JSON.stringify(added.error));
      assert.equal(added.data?.resource.status, 'Missing');
      await connect(name);
    }
    const listed = await api.GET('/api/resources');
    assert.deepEqual(listed.data?.map((r) => [r.name, r.status]).sort(), [
      ['in', 'Available'],
      ['out', 'Available'],
    ]);

    const sent = await api.POST('/api/mail/{resource}/send', {
      params: { path: { resource: 'out' } },
      body: {
        to: [user],
        subject: 'contract round',
        text: 'sent through the generated client',
        headers: { 'X-Campaign': 'contract' },
        attachments: [
          { filename: 'note.txt', contentType: 'text/plain', contentBase64: Buffer.from('note').toString('base64') },
        ],
      },
    });
    assert.ok(sent.data, JSON.stringify(sent.error));
    assert.deepEqual(sent.data.accepted, [user]);
    await rig.waitForMessages(user, 1);

    const messages = await api.GET('/api/mail/{resource}/messages', {
      params: { path: { resource: 'in' }, query: { subject: 'contract', limit: 10 } },
    });
    assert.ok(messages.data, JSON.stringify(messages.error));
    assert.equal(messages.data.length, 1);
    const id = messages.data[0]!.id;
    const message = await api.GET('/api/mail/{resource}/messages/{id}', { params: { path: { resource: 'in', id } } });
    assert.equal(message.data?.subject, 'contract round');
    assert.equal(message.data?.headers['x-campaign'], 'contract');
    assert.deepEqual(
      message.data?.attachments.map((a) => a.filename),
      ['note.txt'],
    );
    const attachment = await api.GET('/api/mail/{resource}/messages/{id}/attachments/{index}', {
      params: { path: { resource: 'in', id, index: 0 } },
      parseAs: 'text',
    });
    assert.equal(attachment.data, 'note');

    const trigger = await api.POST('/api/triggers', {
      body: {
        name: 'contract',
        resource: 'in',
        mode: 'poll',
        pollIntervalSeconds: 1,
        start: 'all',
        target: { kind: 'webhook', url: receiver.url },
      },
    });
    assert.equal(trigger.response.status, 201, JSON.stringify(trigger.error));
    assert.ok(trigger.data?.secret, 'the generated webhook secret, once');
    await svc.runner.start();
    await receiver.waitFor(1);
    let delivered: components['schemas']['Delivery'] | undefined;
    while (!delivered) {
      const history = await api.GET('/api/triggers/{name}/history', {
        params: { path: { name: 'contract' }, query: { status: 'delivered' } },
      });
      delivered = history.data?.[0];
      if (!delivered) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(delivered.subject, 'contract round');
    const detail = await api.GET('/api/triggers/{name}', { params: { path: { name: 'contract' } } });
    assert.equal(detail.data?.definition.afterAction, 'leave');

    const missing = await api.GET('/api/resources/{name}', { params: { path: { name: 'nope' } } });
    assert.equal(missing.response.status, 404);
    assert.equal(missing.error?.error.code, 'RESOURCE_NOT_FOUND');
    assert.ok(missing.error?.error.hint);
    const badHeader = await api.POST('/api/mail/{resource}/send', {
      params: { path: { resource: 'out' } },
      body: { to: [user], subject: 'x', text: 'x', headers: { 'Bad Header': 'x' } },
    });
    assert.equal(badHeader.response.status, 400);
    assert.equal(badHeader.error?.error.code, 'HEADER_NAME_INVALID', "one header-name rule: the composer's");
  },
);
