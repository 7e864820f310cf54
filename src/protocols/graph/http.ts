import { randomUUID } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { z } from 'zod';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import { isLoopbackHost } from '../../config/loopback.js';
import { ProtocolError, isMailbridgeError } from '../../errors.js';
import { formatBytes, READ_LIMITS, readCapped, ReadLimitExceeded } from '../../limits.js';
import type { Logger } from '../../log.js';
import { httpAgentFor, httpsAgentFor } from '../../net/agent.js';
import type { ProxySetting } from '../../net/proxy.js';
import { ERROR_FAMILY, type Operation } from '../errors.js';
import { graphErrorFromResponse, graphTransportError, parseRetryAfter, type GraphErrorContext } from './errors.js';
import { mailboxSemaphore, type Semaphore } from './semaphore.js';

/**
 * HTTP for Microsoft Graph v1.0 over node:http(s) (no extra dependency; the resource's CA is
 * given to the agent, so TLS is verified against it and the system roots). One GraphHttp
 * speaks for one mailbox:
 * - at most 4 requests in flight for that mailbox in this process (a stream holds its slot
 *   until it is read or destroyed);
 * - 401 → one retry with a refreshed token;
 * - 429/503 → wait Retry-After (or a short backoff) and retry, a bounded number of times;
 * - a `client-request-id` per logical request, and request-id kept on every error.
 * Bearer tokens go only to the base URL's origin: a nextLink elsewhere is refused.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GraphHttpOptions {
  /** e.g. https://graph.microsoft.com (the resource's server.host); `/v1.0` is added. */
  baseUrl: string;
  tokens: AccessTokenProvider;
  /** The mailbox the requests are about: the key of the concurrency limit. */
  mailbox: string;
  /** CA, verification and SNI settings (tlsOptionsFor); default: system roots, verified. */
  tls?: ConnectionOptions;
  /** Per mailbox; default 4 (Exchange's limit). */
  maxConcurrent?: number;
  /** Retries after 429/503; default 3. */
  maxRetries?: number;
  /** A longer Retry-After is not waited for: the throttling error is thrown at once. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Socket idle timeout; default 60 s. */
  timeoutMs?: number;
  /** The resource's proxy setting (none, a URL, or absent: HTTPS_PROXY / NO_PROXY decide). */
  proxy?: ProxySetting;
  logger?: Logger;
}

export interface GraphRequest {
  method: HttpMethod;
  /** A path under /v1.0 (`/me/messages`) or an absolute URL (nextLink, deltaLink, upload URL). */
  url: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A raw body (upload chunk, base64 MIME); replayable, unlike a stream. */
  body?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Default true. False for upload-session URLs, which carry their own token (§5.5). */
  auth?: boolean;
  /** What the caller is doing, for the error family. Default receive. */
  operation?: Operation;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface GraphHttp {
  /** https://graph.microsoft.com/v1.0 (no trailing slash). */
  readonly base: string;
  /** The request, its JSON response parsed with `schema` (a body that does not fit is a ProtocolError). */
  json<T>(req: GraphRequest, schema: z.ZodType<T>): Promise<T>;
  /** The request with the response body as text (204, 202, upload chunks). */
  send(req: GraphRequest): Promise<GraphResponse>;
  /** The response body as a stream ($value); it must be consumed or destroyed. */
  stream(req: GraphRequest): Promise<{ stream: Readable; headers: Record<string, string | undefined> }>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** How long a GraphHttp reuses the access token it was handed (see createGraphHttp). */
const TOKEN_KEEP_MS = 10_000;

interface AgentPair {
  https: HttpsAgent;
  http: HttpAgent;
  users: number;
}
const agentPool = new Map<string, AgentPair>();
const contextIds = new WeakMap<object, number>();
let nextContextId = 0;

/**
 * The keep-alive agents of every GraphHttp with the same TLS and proxy settings, shared (and
 * destroyed when the last client closes): 10,000 watched mailboxes on one Graph host then reuse
 * a pool of connections instead of opening (and TLS-handshaking) two each. A connection carries
 * no identity, each request its own bearer token, so sharing it across mailboxes is safe.
 * Options that cannot be compared (a function, a raw CA) get agents of their own.
 */
function sharedAgents(proxy: ProxySetting | undefined, tls: ConnectionOptions): { https: HttpsAgent; http: HttpAgent; release(): void } {
  const parts: string[] = [];
  let shareable = true;
  for (const [k, v] of Object.entries(tls as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) {
    if (v === undefined) continue;
    if (k === 'secureContext' && typeof v === 'object' && v !== null) {
      let id = contextIds.get(v);
      if (id === undefined) contextIds.set(v, (id = nextContextId++));
      parts.push(`${k}=#${id}`);
    } else if (['string', 'number', 'boolean'].includes(typeof v)) parts.push(`${k}=${JSON.stringify(v)}`);
    else shareable = false;
  }
  const make = (): AgentPair => ({
    https: httpsAgentFor(proxy, { keepAlive: true, ...tls }),
    http: httpAgentFor(proxy, { keepAlive: true }),
    users: 0,
  });
  if (!shareable) {
    const own = make();
    return { ...own, release: () => { own.https.destroy(); own.http.destroy(); } };
  }
  const key = `${JSON.stringify(proxy ?? null)}|${parts.join('&')}`;
  let pair = agentPool.get(key);
  if (!pair) agentPool.set(key, (pair = make()));
  pair.users++;
  const shared = pair;
  let released = false;
  return {
    https: shared.https,
    http: shared.http,
    release() {
      if (released) return;
      released = true;
      if (--shared.users > 0) return;
      agentPool.delete(key);
      shared.https.destroy();
      shared.http.destroy();
    },
  };
}

/** Backoff when a 429/503 names no Retry-After: 1 s, 2 s, 4 s… */
function backoffMs(retry: number): number {
  return Math.min(1000 * 2 ** retry, 30_000);
}

/** OData query options are written with %20 for spaces ('+' is literal to some Graph workloads). */
export function buildQuery(query: GraphRequest['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    parts.push(`${encodeURIComponent(k).replace(/^%24/, '$')}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export function createGraphHttp(opts: GraphHttpOptions): GraphHttp {
  const base = `${opts.baseUrl.replace(/\/+$/, '')}/v1.0`;
  const baseOrigin = new URL(base).origin;
  const semaphore: Semaphore = mailboxSemaphore(baseOrigin, opts.mailbox, opts.maxConcurrent ?? 4);
  const maxRetries = opts.maxRetries ?? 3;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tls: ConnectionOptions = { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...opts.tls };
  const agents = sharedAgents(opts.proxy, tls);
  // The bearer token is asked for before every request; the one handed out is reused for a few
  // seconds (the manager hands out tokens with minutes left) so a busy client does not read and
  // unseal it from the store each time. A 401 asks again with forceRefresh, which always reaches
  // the token manager.
  let kept: { token: Awaited<ReturnType<AccessTokenProvider['getAccessToken']>>; until: number } | undefined;
  const bearer = async (forceRefresh: boolean) => {
    if (!forceRefresh && kept && Date.now() < kept.until) return kept.token;
    const token = await opts.tokens.getAccessToken(forceRefresh ? { forceRefresh: true } : {});
    kept = { token, until: Date.now() + TOKEN_KEEP_MS };
    return token;
  };
  const { https: httpsAgent, http: httpAgent } = agents;

  function resolveUrl(req: GraphRequest): URL {
    const url = /^https?:\/\//i.test(req.url) ? new URL(req.url) : new URL(`${base}${req.url.startsWith('/') ? '' : '/'}${req.url}`);
    if (req.query) {
      const extra = buildQuery(req.query).slice(1);
      if (extra) url.search = url.search ? `${url.search}&${extra}` : `?${extra}`;
    }
    const auth = req.auth ?? true;
    if (auth && url.origin !== baseOrigin) {
      throw new ProtocolError({
        code: 'GRAPH_LINK_FOREIGN',
        message: `Graph returned a link to ${url.origin}, not ${baseOrigin}; the access token is not sent there`,
        hint: 'check the resource\'s base URL (server.host); a proxy in between may rewrite links',
        details: { family: ERROR_FAMILY[req.operation ?? 'receive'], protocol: 'graph', host: baseOrigin },
      });
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      throw new ProtocolError({
        code: 'GRAPH_PLAINTEXT_REFUSED',
        message: `refusing plain http to ${url.host}`,
        hint: 'Graph URLs must be https (plain http is only for a loopback sandbox)',
        details: { family: ERROR_FAMILY[req.operation ?? 'receive'], protocol: 'graph', host: url.host },
      });
    }
    return url;
  }

  /** Where an error says the request went: never the query of an upload URL (it holds a token). */
  function ctxOf(req: GraphRequest, url: URL): GraphErrorContext {
    const auth = req.auth ?? true;
    return { method: req.method, path: auth ? `${url.pathname}${url.search}` : url.pathname, host: url.host, operation: req.operation ?? 'receive' };
  }

  function once(url: URL, req: GraphRequest, headers: OutgoingHttpHeaders, body: Buffer | undefined): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      const r = (isHttps ? httpsRequest : httpRequest)(url, { method: req.method, headers, agent: isHttps ? httpsAgent : httpAgent }, resolve);
      r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'GRAPH_TIMEOUT' })));
      r.on('error', reject);
      r.end(body);
    });
  }

  /** The body as text, at most `limit` bytes (READ_LIMITS); more is GRAPH_RESPONSE_TOO_LARGE. */
  async function readText(res: IncomingMessage, req: GraphRequest, limit: number): Promise<string> {
    try {
      return (await readCapped(res, limit, 'the answer', res.headers['content-length'])).toString('utf8');
    } catch (e) {
      if (!(e instanceof ReadLimitExceeded)) throw e;
      const url = resolveUrl({ ...req, query: undefined });
      throw new ProtocolError({
        code: 'GRAPH_RESPONSE_TOO_LARGE',
        message: `Graph answered ${req.method} ${url.pathname} with more than ${formatBytes(limit)}; reading stopped`,
        hint: 'ask for smaller pages ($top) or fewer properties ($select); '
          + 'check that the base URL points at Microsoft Graph',
        details: { family: ERROR_FAMILY[req.operation ?? 'receive'], protocol: 'graph', host: url.host, limit },
      });
    }
  }

  function headersOf(res: IncomingMessage): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
    return out;
  }

  /** Runs the request with retries; resolves with a 2xx response whose body is unread and a release function. */
  async function perform(req: GraphRequest): Promise<{ res: IncomingMessage; release: () => void }> {
    const url = resolveUrl(req);
    const ctx = ctxOf(req, url);
    const clientRequestId = randomUUID();
    const auth = req.auth ?? true;
    const body = req.json !== undefined ? Buffer.from(JSON.stringify(req.json)) : req.body;
    let refreshed = false;
    for (let retries = 0; ;) {
      const release = await semaphore.acquire();
      let res: IncomingMessage;
      try {
        const headers: OutgoingHttpHeaders = {
          accept: 'application/json',
          'user-agent': 'mailbridge',
          'client-request-id': clientRequestId,
          'return-client-request-id': 'true',
          ...req.headers,
        };
        if (body !== undefined) {
          headers['content-type'] = req.contentType ?? (req.json !== undefined ? 'application/json' : 'application/octet-stream');
          headers['content-length'] = String(body.length);
        } else if (req.method !== 'GET' && req.method !== 'DELETE') {
          headers['content-length'] = '0';
        }
        if (auth) headers.authorization = `Bearer ${(await bearer(refreshed)).reveal()}`;
        res = await once(url, req, headers, body);
      } catch (e) {
        release();
        // Token failures (AuthError) and our own refusals pass through as they are.
        if (isMailbridgeError(e)) throw e;
        throw graphTransportError(ctx, clientRequestId, e);
      }
      const status = res.statusCode ?? 0;
      const headers = headersOf(res);
      opts.logger?.debug({ method: req.method, path: url.pathname, status, requestId: headers['request-id'], clientRequestId }, 'graph request');
      if (status >= 200 && status < 300) return { res, release };
      // An error body longer than the cap is cut to nothing: the status still says what happened.
      const text = await readText(res, req, READ_LIMITS.graphErrorBytes).catch(() => '');
      release();
      if (status === 401 && auth && !refreshed) {
        refreshed = true;
        continue;
      }
      if ((status === 429 || status === 503) && retries < maxRetries) {
        const wait = parseRetryAfter(headers['retry-after']) ?? backoffMs(retries);
        if (wait <= maxRetryAfterMs) {
          opts.logger?.info({ path: url.pathname, status, waitMs: wait, requestId: headers['request-id'] }, 'graph throttled; waiting');
          retries++;
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
      }
      throw graphErrorFromResponse(ctx, { status, body: text, headers, clientRequestId });
    }
  }

  const http: GraphHttp = {
    base,
    async send(req) {
      const { res, release } = await perform(req);
      try {
        const body = await readText(res, req, READ_LIMITS.graphJsonBytes);
        return { status: res.statusCode ?? 0, headers: headersOf(res), body };
      } finally {
        release();
      }
    },
    async json(req, schema) {
      const r = await http.send(req);
      let raw: unknown;
      try {
        raw = JSON.parse(r.body);
      } catch {
        raw = undefined;
      }
      const parsed = schema.safeParse(raw);
      if (parsed.success) return parsed.data;
      const url = resolveUrl({ ...req, query: undefined });
      throw new ProtocolError({
        code: 'GRAPH_RESPONSE_INVALID',
        message: `Graph answered ${req.method} ${url.pathname} with a body mailbridge cannot read: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
        hint: 'check that the base URL points at Microsoft Graph; otherwise report this with the request-id',
        details: { family: ERROR_FAMILY[req.operation ?? 'receive'], protocol: 'graph', host: url.host, requestId: r.headers['request-id'], status: r.status },
      });
    },
    async stream(req) {
      const { res, release } = await perform(req);
      res.once('close', release);
      res.once('end', release);
      res.once('error', release);
      return { stream: res, headers: headersOf(res) };
    },
    close() {
      agents.release();
    },
  };
  return http;
}
