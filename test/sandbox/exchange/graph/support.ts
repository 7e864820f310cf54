import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { createExchangeContext, type SandboxExchangeContext, startGraphServer, type GraphServer, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';

export const ALICE = SANDBOX.alice;
export const BOB = SANDBOX.bob;
export const APP = SANDBOX.confidentialClientId;

export interface GraphRig {
  em: IdentityEmulator;
  ctx: SandboxExchangeContext;
  graph: GraphServer;
  /** `${graph.url}/v1.0` */
  base: string;
  token(opts: { user?: string; scope?: string; roles?: string[]; audience?: string; expiresInSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

/** Identity emulator + Exchange store + the Graph endpoint, all in-process on loopback. */
export async function startGraphRig(): Promise<GraphRig> {
  const em = await startIdentityEmulator();
  const ctx = await createExchangeContext({ identity: em });
  const graph = await startGraphServer(ctx, { host: '127.0.0.1', port: 0 });
  return {
    em, ctx, graph, base: `${graph.url}/v1.0`,
    async token({ user, scope, roles, audience, expiresInSeconds }) {
      const r = await em.admin.mintAccessToken({
        audience: audience ?? 'https://graph.microsoft.com',
        ...(user ? { username: user, scope: scope ?? 'Mail.ReadWrite Mail.Send' } : { roles: roles ?? ['Mail.ReadWrite', 'Mail.Send'] }),
        ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
      });
      return r.access_token;
    },
    async close() {
      await graph.close();
      await em.close();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * HTTPS with the sandbox CA (Node 20's global fetch cannot take a CA without undici, which the
 * project does not depend on): a real TLS client that verifies the certificate.
 */
export function call(
  ca: string, url: string,
  opts: { method?: string; token?: string; headers?: Record<string, string>; body?: string | Buffer | object; hold?: Promise<void> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    headers['content-type'] ??= typeof opts.body === 'object' && !Buffer.isBuffer(opts.body) ? 'application/json' : 'text/plain';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    // No keep-alive agent: pooled idle sockets would hold the test process open after close().
    const req = httpsRequest(url, { method: opts.method ?? 'GET', headers, ca, agent: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    if (payload && opts.hold) {
      // Send all but the last byte, hold the request open until `hold` resolves.
      req.write(payload.subarray(0, payload.length - 1));
      opts.hold.then(() => req.end(payload.subarray(payload.length - 1)), reject);
    } else {
      req.end(payload);
    }
  });
}

/** A simple RFC 5322 message for delivery into the store. */
export function rawMessage(opts: { from?: string; to?: string; subject: string; body?: string; date?: Date; headers?: string[] }): Buffer {
  return Buffer.from([
    `From: Sender <${opts.from ?? 'carol@example.org'}>`,
    `To: ${opts.to ?? ALICE}`,
    `Subject: ${opts.subject}`,
    `Date: ${(opts.date ?? new Date()).toUTCString()}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.org>`,
    ...(opts.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? `Body of ${opts.subject}`,
    '',
  ].join('\r\n'));
}
