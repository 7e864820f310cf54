import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, call, rawMessage, startGraphRig, type GraphRig } from './support.js';

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

describe('graph endpoint: change notification subscriptions', () => {
  let rig: GraphRig;
  let token: string;
  let receiver: Server;
  let receiverUrl: string;
  const validations: string[] = [];
  const notifications: Record<string, unknown>[] = [];
  let answerValidation = true;

  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'Mail.Read' });
    receiver = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
        if (token !== null) {
          validations.push(token);
          if (!answerValidation) { res.writeHead(500).end(); return; }
          res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          return;
        }
        notifications.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(202).end();
        receiver.emit('notification');
      })();
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await rig.close();
    receiver.close();
  });

  it('validates the endpoint, then notifies a delivery with clientState; renew and delete', async () => {
    const body = {
      ...fixture('subscription-request.json'),
      notificationUrl: receiverUrl,
      changeType: 'created',
      expirationDateTime: new Date(Date.now() + 3600_000).toISOString(),
    };
    const r = await call(rig.ctx.tls.ca, `${rig.base}/subscriptions`, { method: 'POST', token, body });
    assert.equal(r.status, 201, r.text);
    assertShape(r.json(), fixture('subscription.json'));
    assert.equal(validations.length, 1);
    assert.match(validations[0]!, /^Validation: /, 'the token arrives URL-decoded');
    const sub = r.json<{ id: string }>();

    const arrived = once(receiver, 'notification');
    await rig.ctx.store.deliver(rawMessage({ subject: 'ping' }), { from: 'carol@example.org', to: [ALICE] });
    await arrived;
    const note = notifications[0]!;
    assertShape(note, fixture('subscription-notification.json'));
    const entry = (note['value'] as Record<string, unknown>[])[0]!;
    assert.equal(entry['clientState'], 'SecretClientState');
    assert.equal(entry['subscriptionId'], sub.id);
    assert.equal(entry['changeType'], 'created');
    const msgId = (entry['resourceData'] as { id: string }).id;
    assert.equal(rig.ctx.store.mailbox(ALICE)!.folder('inbox')!.byId(msgId)?.summary.subject, 'ping');

    const renewed = await call(rig.ctx.tls.ca, `${rig.base}/subscriptions/${sub.id}`, { method: 'PATCH', token, body: { expirationDateTime: new Date(Date.now() + 7200_000).toISOString() } });
    assert.equal(renewed.status, 200, renewed.text);
    const tooLong = await call(rig.ctx.tls.ca, `${rig.base}/subscriptions/${sub.id}`, { method: 'PATCH', token, body: { expirationDateTime: new Date(Date.now() + 8 * 24 * 3600_000).toISOString() } });
    assert.equal(tooLong.status, 400);
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/subscriptions/${sub.id}`, { method: 'DELETE', token })).status, 204);
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/subscriptions/${sub.id}`, { method: 'DELETE', token })).status, 404);
  });

  it('refuses the subscription when the endpoint fails validation, and non-loopback URLs', async () => {
    answerValidation = false;
    try {
      const r = await call(rig.ctx.tls.ca, `${rig.base}/subscriptions`, {
        method: 'POST', token,
        body: { changeType: 'created', notificationUrl: receiverUrl, resource: "me/mailFolders('inbox')/messages", expirationDateTime: new Date(Date.now() + 3600_000).toISOString() },
      });
      assert.equal(r.status, 400);
      assertShape(r.json(), fixture('error.json'));
    } finally {
      answerValidation = true;
    }
    const remote = await call(rig.ctx.tls.ca, `${rig.base}/subscriptions`, {
      method: 'POST', token,
      body: { changeType: 'created', notificationUrl: 'https://webhook.example.com/x', resource: 'me/messages', expirationDateTime: new Date(Date.now() + 3600_000).toISOString() },
    });
    assert.equal(remote.status, 400);
  });

  it('pages the list (@odata.nextLink); a subscription deleted between pages shifts nothing', async () => {
    rig.ctx.graphSubscriptions.pageSize = 2;
    try {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await call(rig.ctx.tls.ca, `${rig.base}/subscriptions`, {
          method: 'POST', token,
          body: { changeType: 'created', notificationUrl: receiverUrl, resource: "me/mailFolders('inbox')/messages", expirationDateTime: new Date(Date.now() + 3600_000).toISOString() },
        });
        assert.equal(r.status, 201, r.text);
        made.push(r.json<{ id: string }>().id);
      }
      const seen: string[] = [];
      let url: string | undefined = `${rig.base}/subscriptions`;
      let pages = 0;
      while (url) {
        const page = await call(rig.ctx.tls.ca, url, { token });
        assert.equal(page.status, 200, page.text);
        const body = page.json<{ value: { id: string }[]; '@odata.nextLink'?: string }>();
        assert.ok(body.value.length <= 2);
        seen.push(...body.value.map((v) => v.id));
        // After the first page, one already seen is deleted: the next page must not skip one.
        if (pages++ === 0) await call(rig.ctx.tls.ca, `${rig.base}/subscriptions/${made[0]}`, { method: 'DELETE', token });
        url = body['@odata.nextLink'];
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, made, 'each once, in creation order');
      for (const id of made.slice(1)) await call(rig.ctx.tls.ca, `${rig.base}/subscriptions/${id}`, { method: 'DELETE', token });
    } finally {
      rig.ctx.graphSubscriptions.pageSize = 100;
    }
  });
});
