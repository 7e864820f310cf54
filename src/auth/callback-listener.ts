import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * The loopback redirect catcher (RFC 8252 §7.3): for a callback URL `http://localhost[:PORT]`
 * or `http://127.0.0.1[:PORT]`, listen there, take the one authorization response the
 * browser brings (query, or form_post body), and tell the person they can close the tab.
 * Without a port we pick a free one: Microsoft matches loopback redirect URIs on any port.
 */
export interface CallbackListener {
  /** The redirect URI to put in the authorization request (with the real port). */
  redirectUri: string;
  /** The response parameters; rejects on timeout or close. */
  result: Promise<URLSearchParams>;
  /** Stops listening; a `result` still pending rejects. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A callback we can listen on ourselves: plain http on a loopback host. */
export function isLoopbackCallback(callbackUrl: string): boolean {
  const u = new URL(callbackUrl);
  return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
}

const PAGE = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Listens on a loopback callback URL for the authorization response (RFC 8252 section 7.3).
 * @throws ConfigError `CALLBACK_NOT_LOOPBACK` when the callback URL is not plain http on a loopback host.
 */
export async function startCallbackListener(
  callbackUrl: string, opts: { timeoutMs?: number; logger?: Logger } = {},
): Promise<CallbackListener> {
  if (!isLoopbackCallback(callbackUrl)) {
    throw new AuthError({ code: 'CALLBACK_NOT_LOOPBACK', field: 'oauth.callbackUrl',
      message: `cannot listen on ${callbackUrl}: only http://localhost or http://127.0.0.1 can be caught locally`,
      hint: 'use --paste and paste the redirected URL, or set the callback URL to http://localhost' });
  }
  const wanted = new URL(callbackUrl);
  const path = wanted.pathname;
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  let settle!: { resolve: (p: URLSearchParams) => void; reject: (e: Error) => void };
  const result = new Promise<URLSearchParams>((resolve, reject) => { settle = { resolve, reject }; });
  // Nobody may be awaiting yet when close() rejects it.
  result.catch(() => undefined);
  let done = false;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (url.pathname !== path || (req.method !== 'GET' && req.method !== 'POST')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readParams(req, url).then((params) => {
      if (!params.has('code') && !params.has('error')) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
          .end(PAGE('Nothing to do', 'This address waits for a sign-in answer from the identity provider.'));
        return;
      }
      const ok = params.has('code');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
        .end(ok ? PAGE('Signed in', 'mailbridge received the answer. You can close this tab.')
          : PAGE('Sign-in not completed', 'mailbridge received an error; see the terminal. You can close this tab.'));
      if (!done) {
        done = true;
        opts.logger?.debug({ event: 'oauth_callback', ok }, 'authorization response received');
        settle.resolve(params);
      }
    }, () => res.writeHead(400).end());
  };

  const servers: Server[] = [];
  // 127.0.0.1 always; for `localhost` also ::1 on the same port, because a browser may
  // resolve localhost to either address.
  const first = await listen(handle, '127.0.0.1', wanted.port ? Number(wanted.port) : 0, callbackUrl);
  servers.push(first);
  const port = (first.address() as AddressInfo).port;
  if (wanted.hostname === 'localhost' || wanted.hostname === '[::1]') {
    try { servers.push(await listen(handle, '::1', port, callbackUrl)); } catch { /* no IPv6 loopback here */ }
  }
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    settle.reject(new AuthError({ code: 'CALLBACK_TIMEOUT', message: `no sign-in answer reached ${callbackUrl} within ${Math.round(timeoutMs / 1000)} s`,
      hint: 'run the command again and finish the sign-in in the browser, or use --paste / --device' }));
  }, timeoutMs);
  timer.unref();

  return {
    // Only the port changes: the rest must stay as registered (redirect_uri matches exactly).
    redirectUri: callbackUrl.replace(/^(http:\/\/)(\[[^\]]+\]|[^/:?#]+)(:\d+)?/i, `$1$2:${port}`),
    result,
    async close() {
      clearTimeout(timer);
      if (!done) {
        done = true;
        settle.reject(new AuthError({ code: 'CALLBACK_CLOSED', message: 'the callback listener was closed before an answer came',
          hint: 'run the command again' }));
      }
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
    },
  };
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, host: string, port: number, callbackUrl: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(host === '::1' ? e : new AuthError({ code: 'CALLBACK_PORT_BUSY', cause: e,
        message: `cannot listen on ${callbackUrl} (${e.code ?? e.message})`,
        hint: 'free the port, or register http://localhost without a port (any port matches) and use that' }));
    });
    server.listen(port, host, () => resolve(server));
  });
}

/** response_mode=query puts the answer in the URL; form_post in a urlencoded body. */
async function readParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  if (req.method !== 'POST') return url.searchParams;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(b);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
