import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExchangeContext } from '../contract.js';
import { handleAutodiscover } from './autodiscover.js';
import { handleEws } from './handler.js';
import { streamingOf, type StreamingControl, type StreamSink } from './streaming.js';

/**
 * The Exchange sandbox's EWS endpoint: SOAP 1.1 over HTTPS at /EWS/Exchange.asmx, plus the
 * schema files an Exchange server publishes at /EWS/types.xsd and /EWS/messages.xsd, and SOAP
 * Autodiscover (GetUserSettings) at /autodiscover/autodiscover.svc.
 */

export interface EwsServer {
  /** https://localhost:PORT (the certificate names localhost); the endpoint is `${url}/EWS/Exchange.asmx`. */
  url: string;
  /** Streaming notifications: limits, and the failures tests provoke (expiry, dropped connections). */
  streaming: StreamingControl;
  close(): Promise<void>;
}

/** Requests carry messages up to Exchange Online's 150 MB limit, base64-encoded. */
const MAX_REQUEST_BYTES = 210 * 1024 * 1024;

/**
 * The served XSDs are the project's one copy of Microsoft's schema, kept with its source under
 * test/fixtures/ews-schema of the repository (the tests validate against the same files), found from an ancestor
 * directory: this package sits in the repository's packages/sandbox. Installed (under node_modules) it ships no schema
 * and serves none.
 */
function schemaDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  if (here.split(sep).includes('node_modules')) return undefined;
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'test', 'fixtures', 'ews-schema');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const SCHEMA_FILES = new Set(['types.xsd', 'messages.xsd', 'xml.xsd']);

/** A long-lived chunked response: each write is one chunk (one SOAP envelope), as Exchange sends them. */
function openStream(res: ServerResponse, status: number, headers: Record<string, string>, start: (sink: StreamSink) => void): void {
  // The client gave up while the request was being handled (a slow fault, a busy sandbox): its
  // 'close' has fired already, so a connection opened now would count against the mailbox's
  // limit and hold its subscriptions until its ConnectionTimeout.
  if (!res.socket || res.socket.destroyed) return;
  res.writeHead(status, { ...headers, 'x-backendhttpstatus': String(status), 'transfer-encoding': 'chunked' });
  const sink: StreamSink = {
    write: (text) => void res.write(text),
    end: () => void res.end(),
    destroy: () => void res.socket?.destroy(),
    onClose: (cb) => void res.on('close', cb),
  };
  start(sink);
}

export async function startEwsServer(ctx: ExchangeContext, opts: { host: string; port: number }): Promise<EwsServer> {
  const schemas = schemaDir();
  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: ctx.tls.key, cert: ctx.tls.cert }, (req, res) => {
    const requestId = randomUUID();
    res.setHeader('request-id', requestId);
    const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
    const send = (status: number, headers: Record<string, string>, body: string) => {
      res.writeHead(status, { ...headers, 'x-backendhttpstatus': String(status) }).end(body);
    };
    if (req.method === 'GET' && path.startsWith('/ews/') && SCHEMA_FILES.has(path.slice(5))) {
      if (!schemas) return send(404, { 'content-type': 'text/plain' }, 'schema files not installed');
      readFile(join(schemas, path.slice(5)), 'utf8').then(
        (xsd) => send(200, { 'content-type': 'text/xml; charset=utf-8' }, xsd),
        () => send(404, { 'content-type': 'text/plain' }, 'not found'),
      );
      return;
    }
    const autodiscover = path === '/autodiscover/autodiscover.svc';
    if (path !== '/ews/exchange.asmx' && !autodiscover) return send(404, { 'content-type': 'text/plain' }, 'not found');
    if (req.method !== 'POST') return send(405, { allow: 'POST', 'content-type': 'text/plain' }, 'EWS accepts POST only');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        send(413, { 'content-type': 'text/plain' }, 'request too large');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      if (autodiscover) {
        const request = { authorization: req.headers.authorization, host: req.headers.host ?? 'localhost', body: Buffer.concat(chunks).toString('utf8') };
        handleAutodiscover(ctx, request).then(
          (out) => send(out.status, out.headers, out.body),
          (e: unknown) => send(500, { 'content-type': 'text/plain' }, `internal error: ${e instanceof Error ? e.message : String(e)}`),
        );
        return;
      }
      handleEws(ctx, { headers: req.headers, body: Buffer.concat(chunks) }).then(
        (out) => {
          if ('drop' in out) return req.socket.destroy();
          if ('stream' in out) return openStream(res, out.status, out.headers, out.stream);
          send(out.status, out.headers, out.body);
        },
        (e: unknown) => send(500, { 'content-type': 'text/plain' }, `internal error: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue (Linux caps it at net.core.somaxconn): a thousand clients connecting at
    // once to a sandbox whose event loop is busy would otherwise overflow Node's default of 511,
    // and the kernel resets connections an Exchange front end would have taken.
    server.listen({ port: opts.port, host: opts.host, backlog: 4096 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}`,
    streaming: streamingOf(ctx),
    close: () => new Promise<void>((resolve) => {
      streamingOf(ctx).close();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
