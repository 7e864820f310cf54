/**
 * One HTTP POST of a SOAP envelope over node:https (or http for a loopback sandbox), with the
 * resource's TLS settings (verified by default, tls.caFile added to the system roots) and a
 * keep-alive agent per client. Bodies are read whole (EWS answers are one XML document), up to
 * READ_LIMITS.ewsResponseBytes: more is EWS_RESPONSE_TOO_LARGE.
 */
import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { ProtocolError } from '../../errors.js';
import { formatBytes, READ_LIMITS, readCapped, ReadLimitExceeded } from '../../limits.js';
import { httpAgentFor, httpsAgentFor } from '../../net/agent.js';
import type { ProxySetting } from '../../net/proxy.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** A response whose body is read as it arrives (GetStreamingEvents). */
export interface HttpStream {
  status: number;
  headers: Record<string, string | undefined>;
  /** The body's chunks; ends when the server ends the response, throws when the connection fails. */
  body: AsyncIterable<Buffer>;
  /** Cuts the connection (the caller is done, or the server went quiet too long). */
  close(): void;
}

export interface HttpTransport {
  post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpReply>;
  /**
   * A POST whose answer stays open: `idleTimeoutMs` without a byte (a keep-alive included) cuts
   * it. It gets a socket of its own, never one of the pool's, so a long-lived stream does not
   * hold back the calls beside it. `signal` cuts it in every phase: connecting, waiting for the
   * server's answer (a busy server can take minutes), or streaming.
   */
  postStream(url: URL, headers: Record<string, string>, body: string, idleTimeoutMs: number, signal: AbortSignal): Promise<HttpStream>;
  close(): void;
}

export function createTransport(tls: ConnectionOptions, opts: { maxResponseBytes?: number; proxy?: ProxySetting } = {}): HttpTransport {
  const maxResponseBytes = opts.maxResponseBytes ?? READ_LIMITS.ewsResponseBytes;
  // Through the resource's (or the environment's) proxy when one applies to the EWS host.
  const httpsAgent = httpsAgentFor(opts.proxy, { ...tls, keepAlive: true, maxSockets: 8 });
  const httpAgent = httpAgentFor(opts.proxy, { keepAlive: true, maxSockets: 8 });
  return {
    post(url, headers, body, timeoutMs) {
      const secure = url.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      return new Promise<HttpReply>((resolve, reject) => {
        const req = (secure ? https : http).request(url, {
          method: 'POST',
          agent: secure ? httpsAgent : httpAgent,
          headers: { ...headers, 'Content-Length': String(payload.length) },
        }, (res) => {
          const out: Record<string, string | undefined> = {};
          for (const [k, v] of Object.entries(res.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          readCapped(res, maxResponseBytes, `the EWS answer from ${url.host}`, res.headers['content-length']).then(
            (body) => resolve({ status: res.statusCode ?? 0, headers: out, body: body.toString('utf8') }),
            (e: unknown) => reject(e instanceof ReadLimitExceeded ? tooLarge(url, e) : e instanceof Error ? e : new Error(String(e))),
          );
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'EWS_TIMEOUT' })));
        req.on('error', reject);
        req.end(payload);
      });
    },
    postStream(url, headers, body, idleTimeoutMs, signal) {
      const secure = url.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      return new Promise<HttpStream>((resolve, reject) => {
        const req = (secure ? https : http).request(url, {
          ...(secure ? tls : {}),
          method: 'POST',
          agent: false,
          // node:http destroys the request (and its response, once there is one) when this aborts.
          signal,
          headers: { ...headers, 'Content-Length': String(payload.length) },
        }, (res) => {
          const out: Record<string, string | undefined> = {};
          for (const [k, v] of Object.entries(res.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: res as AsyncIterable<Buffer>,
            close: () => req.destroy(),
          });
        });
        req.setTimeout(idleTimeoutMs, () => req.destroy(Object.assign(new Error(`nothing from the server for ${idleTimeoutMs} ms`), { code: 'EWS_TIMEOUT' })));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

function tooLarge(url: URL, e: ReadLimitExceeded): ProtocolError {
  return new ProtocolError({
    code: 'EWS_RESPONSE_TOO_LARGE',
    message: `the EWS answer from ${url.host} is larger than ${formatBytes(e.limit)}; reading stopped`,
    hint: 'check that the EWS URL points at Exchange; a message this large cannot be read over EWS by mailbridge',
    details: { family: 103, protocol: 'ews', host: url.host, limit: e.limit },
  });
}
