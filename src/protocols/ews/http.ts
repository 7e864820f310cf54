/**
 * One HTTP POST of a SOAP envelope over node:https (or http for a loopback sandbox), with the
 * resource's TLS settings (verified by default, tls.caFile added to the system roots) and a
 * keep-alive agent per client. Bodies are read whole: EWS answers are one XML document.
 */
import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';

export interface HttpReply {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface HttpTransport {
  post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpReply>;
  close(): void;
}

export function createTransport(tls: ConnectionOptions): HttpTransport {
  const httpsAgent = new https.Agent({ ...tls, keepAlive: true, maxSockets: 8 });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
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
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const out: Record<string, string | undefined> = {};
            for (const [k, v] of Object.entries(res.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'EWS_TIMEOUT' })));
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
