/**
 * Wiring for trigger tests: a file-backed store with a consented rig resource for a fresh
 * mailbox, a local webhook receiver that checks signatures, and bounded waits on conditions.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenManager } from '../../src/auth/token-manager.js';
import type { Resource } from '../../src/config/resource.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/triggers/webhook.js';
import type { WebhookPayload } from '../../src/triggers/payload.js';
import { consentedResource } from '../mail/facade-consent.js';
import type { Rig } from '../helpers/rig.js';

export interface TriggerFixture {
  store: Store;
  tokens: TokenManager;
  resource: Resource;
  user: string;
  dbPath: string;
  key: Buffer;
}

/** A fresh rig mailbox with a real consent, in a store file that a "restart" can open again. */
export async function triggerFixture(rig: Rig, kind: 'imap' | 'pop3'): Promise<TriggerFixture> {
  const user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  const dbPath = join(mkdtempSync(join(tmpdir(), 'mbt-trigger-')), 'mailbridge.db');
  const key = randomBytes(32);
  const store = openSqliteStore({ path: dbPath, sealer: createSealer(key) });
  const { tokens, resource } = await consentedResource(rig, kind, { store, user, name: 'in' });
  return { store, tokens, resource, user, dbPath, key };
}

export function reopenStore(f: TriggerFixture): Store {
  return openSqliteStore({ path: f.dbPath, sealer: createSealer(f.key) });
}

export interface WebhookCall {
  payload: WebhookPayload;
  headers: IncomingHttpHeaders;
  signatureValid: boolean;
}

export interface Receiver {
  url: string;
  secret: Secret;
  calls: WebhookCall[];
  /** Decides each answer (status code) from the call number (1-based). Default 200. */
  respond: (n: number, call: WebhookCall) => number | Promise<number>;
  waitForCalls(n: number, timeoutMs?: number): Promise<WebhookCall[]>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1, port 0, verifying the HMAC of every call. */
export async function startReceiver(): Promise<Receiver> {
  const secret = new Secret(randomBytes(24).toString('hex'));
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    secret,
    calls: [],
    respond: () => 200,
    async waitForCalls(n, timeoutMs = 20_000) {
      if (receiver.calls.length >= n) return receiver.calls;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`webhook got ${receiver.calls.length} call(s) in ${timeoutMs} ms, expected ${n}`)), timeoutMs);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
      });
      return receiver.calls;
    },
    // A client's idle keep-alive connection would otherwise hold close() open until it times out.
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers[SIGNATURE_HEADER] ?? '');
        const timestamp = String(req.headers[TIMESTAMP_HEADER] ?? '');
        const call: WebhookCall = {
          payload: JSON.parse(body) as WebhookPayload,
          headers: req.headers,
          signatureValid: verifyWebhookSignature(secret, timestamp, body, signature),
        };
        receiver.calls.push(call);
        const status = await receiver.respond(receiver.calls.length, call);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
        for (const w of [...waiters]) {
          if (receiver.calls.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      })();
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** Waits for a condition the code under test reaches asynchronously (a store row, a mailbox count), bounded. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function message(subject: string, extra = ''): string {
  return `From: Sender <sender@example.test>\r\nTo: someone@example.test\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${randomBytes(8).toString('hex')}@example.test>\r\n${extra}\r\nbody of ${subject}\r\n`;
}
