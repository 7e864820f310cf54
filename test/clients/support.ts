import { X509Certificate, createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { chromium, type Browser } from 'playwright-core';

/** One HTTPS exchange that trusts exactly the sandbox CA (verification stays on). */
export interface CaResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function caRequest(
  ca: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<CaResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    // agent: false: no pooled idle sockets holding the test process open after close().
    const req = httpsRequest(
      url,
      { method: opts.method ?? 'GET', headers, ca, agent: false, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * MSAL's INetworkModule over node:https with the sandbox CA. MSAL's default client has no CA
 * option (it uses the global agent), so an app that talks to a private-CA authority plugs in
 * its own, exactly as here.
 */
export function msalNetwork(ca: string): INetworkModule {
  const send = async <T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const res = await caRequest(ca, url, {
      method,
      ...(options?.headers ? { headers: options.headers } : {}),
      ...(options?.body !== undefined ? { body: options.body } : {}),
    });
    const text = res.body.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/**
 * The SPKI hash (base64 SHA-256) of the certificate a server presents, read over a TLS
 * connection that verifies it against the sandbox CA: only a certificate the CA signed is pinned.
 */
export async function verifiedSpki(ca: string, url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const cert = await new Promise<X509Certificate>((resolve, reject) => {
    const socket = tlsConnect({ host: hostname, port: Number(port), ca, servername: hostname }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.end();
      if (peer) resolve(peer);
      else reject(new Error(`no certificate from ${url}`));
    });
    socket.on('error', reject);
  });
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

/**
 * Debian's headless Chromium, as test/e2e launches it. `--ignore-certificate-errors-spki-list`
 * is Chromium's way to trust one server key without a system store: pass the SPKI hashes from
 * `verifiedSpki` (certificates Node verified against the sandbox CA); every other certificate
 * is still verified.
 */
export function launchChromium(spki?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // The machine has no network: without these flags Chromium keeps dialling Google's hosts.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(spki ? [`--ignore-certificate-errors-spki-list=${spki}`] : []),
    ],
  });
}

/**
 * The last link of the Graph SDK's middleware chain, doing the HTTP over node:https with the
 * sandbox CA (the SDK's own HTTPMessageHandler calls the global fetch, which takes no CA).
 */
export function caHttpMiddleware(ca: string): { execute(context: GraphContext): Promise<void> } {
  return {
    async execute(context) {
      const url = typeof context.request === 'string' ? context.request : context.request.url;
      const o = context.options ?? {};
      const headers: Record<string, string> = {};
      new Headers(o.headers as ConstructorParameters<typeof Headers>[0]).forEach((v, k) => (headers[k] = v));
      const body =
        o.body === undefined || o.body === null
          ? undefined
          : typeof o.body === 'string'
            ? o.body
            : Buffer.from(o.body instanceof ArrayBuffer ? new Uint8Array(o.body) : (o.body as Uint8Array));
      const res = await caRequest(ca, url, {
        method: o.method ?? 'GET',
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const noBody = res.status === 204 || res.status === 304;
      context.response = new Response(noBody ? null : res.body, { status: res.status, headers: res.headers });
    },
  };
}

/** The fields of the Graph SDK's middleware Context this module reads and writes. */
export interface GraphContext {
  request: string | Request;
  options?: { method?: string; headers?: unknown; body?: unknown };
  response?: Response;
}

/** What ews-javascript-api reads from a finished request (a subset of XMLHttpRequest). */
export interface EwsXhrResult {
  status: number;
  statusText: string;
  responseText: string;
  response: string;
  getAllResponseHeaders(): string;
  getResponseHeader(name: string): string | null;
}

/**
 * ews-javascript-api's pluggable XHR layer (ConfigurationApi.ConfigureXHR) over node:https with
 * the sandbox CA. Its default layer has no CA option; like the library's own, this resolves a
 * 200 and rejects anything else with the response (the library reads SOAP faults from it).
 */
export function ewsXhrApi(ca: string): {
  xhr(o: { type?: string; url: string; headers?: Record<string, string>; data?: string }): Promise<EwsXhrResult>;
  xhrStream(): Promise<EwsXhrResult>;
  disconnect(): void;
  apiName: string;
} {
  return {
    apiName: 'sandbox-ca',
    async xhr(o) {
      const res = await caRequest(ca, o.url, {
        method: o.type ?? 'POST',
        ...(o.headers ? { headers: o.headers } : {}),
        ...(o.data !== undefined ? { body: o.data } : {}),
      });
      const text = res.body.toString('utf8');
      const result: EwsXhrResult = {
        status: res.status,
        statusText: String(res.status),
        responseText: text,
        response: text,
        getAllResponseHeaders: () =>
          Object.entries(res.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\r\n'),
        getResponseHeader: (name) => res.headers[name.toLowerCase()] ?? null,
      };
      if (res.status === 200) return result;
      throw result;
    },
    xhrStream: () => Promise.reject(new Error('streaming notifications are not used by these tests')),
    disconnect: () => undefined,
  };
}
