import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';

/**
 * A `fetch` for the identity platform that also trusts the resource's `tls.caFile`, so a
 * resource behind a private CA reaches its token and device-code endpoints with the same trust
 * as its mail connections (global fetch knows only the system roots and NODE_EXTRA_CA_CERTS).
 * Plain http (a loopback sandbox) goes through the global fetch unchanged.
 */
export function fetchTrustingCa(caFile: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:') return fetch(input, init);
    const ca = await readCa(caFile);
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, {
        method: init?.method ?? 'GET',
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        ca: [...rootCertificates, ca],
        minVersion: 'TLSv1.2',
        ...(init?.signal ? { signal: init.signal } : {}),
      }, (res) => {
        const headers = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '');
        const status = res.statusCode ?? 502;
        const empty = status === 204 || status === 304;
        if (empty) res.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers }));
      });
      req.on('error', reject);
      req.end(typeof init?.body === 'string' ? init.body : undefined);
    });
  };
}

async function readCa(caFile: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(caFile, 'utf8');
  } catch (cause) {
    throw new ConfigError({
      code: 'TLS_CA_FILE_UNREADABLE', field: 'tls.caFile', cause, message: `cannot read the CA file ${caFile}`,
      hint: 'point tls.caFile at a readable PEM file holding the CA certificate that signed the server certificate',
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError({
      code: 'TLS_CA_FILE_INVALID', field: 'tls.caFile', message: `${caFile} holds no PEM certificate`,
      hint: 'tls.caFile must be a PEM file starting with -----BEGIN CERTIFICATE-----',
    });
  }
  return pem;
}

/** The token endpoint option that carries a resource's CA (spread into TokenEndpointDeps). */
export function caFileOf(resource: Resource): { caFile?: string } {
  return resource.tls.caFile ? { caFile: resource.tls.caFile } : {};
}
