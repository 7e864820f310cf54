/**
 * Caps on HTTP answers (src/limits.ts) against a hostile HTTP server on loopback that writes
 * only as fast as the client reads: the token endpoint, Graph and EWS refuse an answer over
 * their cap with a typed error, and the server never gets to send more than a bounded amount.
 * Two kinds of lie: a Content-Length of 1 GiB (refused before reading), and an endless chunked
 * body with no length (refused once the cap is passed).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { postForm } from '../src/auth/token-endpoint.js';
import { MailbridgeError } from '../src/errors.js';
import { READ_LIMITS } from '../src/limits.js';
import { createTransport } from '../src/protocols/ews/http.js';
import { createGraphHttp } from '../src/protocols/graph/http.js';
import { Secret } from '../src/secret.js';

const GiB = 1024 ** 3;
const BOUNDED = 16 * 1024 * 1024;

let server: Server;
let base = '';
let sent = 0;
/** How the next answer lies: a 1 GiB Content-Length, or endless chunks. */
let mode: 'claimed' | 'endless' = 'claimed';
let status = 200;

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(mode === 'claimed' ? { 'content-length': String(GiB) } : {}),
      });
      const chunk = Buffer.from(`{"pad":"${'x'.repeat(60_000)}"}\n`);
      const pump = () => {
        while (!res.destroyed && sent < GiB) {
          sent += chunk.length;
          if (!res.write(chunk)) return;
        }
      };
      res.on('drain', pump);
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MailbridgeError, `expected a MailbridgeError, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    assert.ok(e.hint.length > 0);
    return e;
  }
  assert.fail(`expected ${code}, got success`);
}

const tokens = { getAccessToken: async () => new Secret('opaque') };

for (const lie of ['claimed', 'endless'] as const) {
  const how = lie === 'claimed' ? 'Content-Length 1 GiB' : 'endless chunked body';
  describe(`an HTTP answer that is too large (${how})`, () => {
    test('token endpoint: TOKEN_RESPONSE_TOO_LARGE', async () => {
      [sent, mode, status] = [0, lie, 200];
      const err = await rejectsWith(
        postForm(`${base}/token`, { grant_type: 'refresh_token' }, { retry: { maxAttempts: 1 } }),
        'TOKEN_RESPONSE_TOO_LARGE',
      );
      assert.match(err.message, /more than 1 MiB/);
      assert.ok(sent < BOUNDED, `the server sent ${sent} bytes`);
    });

    test('Graph JSON: GRAPH_RESPONSE_TOO_LARGE', async () => {
      [sent, mode, status] = [0, lie, 200];
      const http = createGraphHttp({ baseUrl: base, tokens, mailbox: `cap-${lie}@example.test` });
      try {
        await rejectsWith(http.send({ method: 'GET', url: '/me/messages' }), 'GRAPH_RESPONSE_TOO_LARGE');
      } finally {
        http.close();
      }
      assert.ok(sent < READ_LIMITS.graphJsonBytes + BOUNDED, `the server sent ${sent} bytes`);
    });

    test('Graph error body: only its start is read, the status still makes the error', async () => {
      [sent, mode, status] = [0, lie, 400];
      const http = createGraphHttp({ baseUrl: base, tokens, mailbox: `err-${lie}@example.test` });
      try {
        await assert.rejects(
          http.send({ method: 'GET', url: '/me/messages' }),
          (e: unknown) => e instanceof MailbridgeError && /400/.test(e.message),
        );
      } finally {
        http.close();
      }
      assert.ok(sent < BOUNDED, `the server sent ${sent} bytes`);
    });

    test('EWS: EWS_RESPONSE_TOO_LARGE', async () => {
      [sent, mode, status] = [0, lie, 200];
      // The default cap (320 MiB, a whole message base64-encoded) is lowered so the endless case stays quick.
      const t = createTransport({}, { maxResponseBytes: 1024 * 1024 });
      try {
        await rejectsWith(t.post(new URL(`${base}/EWS/Exchange.asmx`), {}, '<x/>', 10_000), 'EWS_RESPONSE_TOO_LARGE');
      } finally {
        t.close();
      }
      assert.ok(sent < BOUNDED, `the server sent ${sent} bytes`);
    });
  });
}
