/**
 * Webhook answers are read at most READ_LIMITS.webhookResponseBytes deep (issue 11 item 3): a
 * receiver announcing a 1 GiB error body (produced lazily, only as fast as it is read) costs
 * a few KB and a bounded number of bytes on the wire, on every retry; before, `res.text()`
 * buffered all of it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { WebhookPayload } from '../../src/triggers/payload.js';
import { postWebhook } from '../../src/triggers/webhook.js';

const GiB = 1024 ** 3;
const BOUNDED = 16 * 1024 * 1024;

const payload: WebhookPayload = {
  event: 'message',
  trigger: 't',
  resource: 'r',
  folder: 'INBOX',
  deliveryId: 'd-1',
  messageKey: 'k',
  attempt: 1,
  message: {
    id: '1',
    subject: 's',
    to: [],
    cc: [],
    replyTo: [],
    importance: 'normal',
    hasAttachments: false,
    headers: {},
    attachments: [],
  },
};

describe('webhook response bodies are capped', () => {
  let server: Server;
  let url = '';
  let sent = 0;
  let status = 500;

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(GiB) });
        const chunk = Buffer.from(`${'receiver exploded '.repeat(3000)}\n`);
        // Lazy: a chunk more only when the client has taken the last one.
        const pump = () => {
          while (!res.destroyed && sent < GiB) {
            sent += chunk.length;
            if (!res.write(chunk)) return;
          }
        };
        res.on('drain', pump);
        res.on('close', () => res.off('drain', pump));
        pump();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('a 1 GiB error body: the error keeps its start, the rest is never read', async () => {
    sent = 0;
    status = 500;
    const r = await postWebhook({ url, payload, timeoutMs: 30_000 });
    assert.equal(r.ok, false);
    assert.equal(r.permanent, false);
    assert.match(r.detail, /answered HTTP 500: receiver exploded receiver exploded/);
    assert.ok(r.detail.length < 400);
    assert.ok(sent < BOUNDED, `the receiver got to send ${sent} bytes`);
  });

  test('a 1 GiB success body is not read either', async () => {
    sent = 0;
    status = 200;
    const r = await postWebhook({ url, payload, timeoutMs: 30_000 });
    assert.equal(r.ok, true);
    assert.ok(sent < BOUNDED, `the receiver got to send ${sent} bytes`);
  });
});
