import type { TokenManager } from '../auth/token-manager.js';
import type { Resource } from '../config/resource.js';
import { UnsupportedError } from '../errors.js';
import type { Logger } from '../log.js';
import { openMailbox } from '../mail/open.js';
import { toProtocolError } from '../protocols/errors.js';
import { tlsOptionsFor } from '../protocols/tls.js';
import { proxyDisplayFor } from '../net/fetch.js';
import { mailProxyFor } from '../net/proxy.js';
import type { Store } from '../store/store.js';
import type { DoctorCheck, DoctorReport } from './check.js';
import { probeServer, resolveHost, type ProbeProtocol } from './probe.js';
import { checkToken, failed } from './token.js';

export interface RunDoctorOptions {
  resource: Resource;
  store: Store;
  tokens: TokenManager;
  logger?: Logger;
  now?: () => number;
}

/** Which proxy the resource's connections take (mail server or EWS/Graph URL, and the token endpoint), or that they go direct. */
function proxyCheck(r: Resource): DoctorCheck {
  const isUrl = /^https?:\/\//i.test(r.server.host);
  const server = isUrl ? proxyDisplayFor(r.server.host, r.proxy) : (() => {
    const p = mailProxyFor(r);
    return p ? `${p.display} (${p.source})` : undefined;
  })();
  const identity = r.oauth ? proxyDisplayFor(r.oauth.tokenUrl, r.proxy) : undefined;
  if (!server && !identity) {
    return { name: 'proxy', status: 'pass', detail: r.proxy === 'none' ? 'none: proxy: "none" connects directly' : 'none: direct connections (no HTTPS_PROXY / HTTP_PROXY applies, or NO_PROXY / loopback)' };
  }
  const parts = [
    `server: ${server ? `through ${server}` : 'direct'}`,
    ...(r.oauth ? [`sign-in: ${identity ? `through ${identity}` : 'direct'}`] : []),
  ];
  return { name: 'proxy', status: 'pass', detail: parts.join('; ') };
}

/**
 * Diagnoses a mail resource step by step, stopping at the first step the others depend on:
 * token → DNS → TCP/TLS and capabilities → SASL mechanisms → a real login.
 */
export async function runDoctor(o: RunDoctorOptions): Promise<DoctorReport> {
  const r = o.resource;
  const checks: DoctorCheck[] = [];
  const report = (): DoctorReport => ({
    resource: r.name, ok: checks.every((c) => c.status !== 'fail'),
    // Fixes read from protocol errors say RESOURCE; here the name is known.
    checks: checks.map((c) => (c.fix ? { ...c, fix: c.fix.replace(/\bRESOURCE\b/g, r.name) } : c)),
  });
  checks.push({ name: 'resource', status: 'pass', detail: `${r.kind} ${r.user ?? r.from ?? '(no user)'} at ${r.server.host}:${r.server.port} (${r.server.secure})` });
  checks.push(proxyCheck(r));
  if (r.kind !== 'imap' && r.kind !== 'pop3' && r.kind !== 'smtp') {
    checks.push({ name: 'protocol', status: 'skip', detail: `the doctor probes imap, pop3 and smtp resources, not ${r.kind}` });
    return report();
  }
  const protocol: ProbeProtocol = r.kind;

  const token = await checkToken(r, o.tokens, (o.now ?? Date.now)());
  checks.push(...token.checks);

  if (mailProxyFor(r)) {
    checks.push({ name: 'dns', status: 'skip', detail: `${r.server.host} is resolved by the proxy` });
  } else {
    try {
      const address = await resolveHost(r.server.host);
      checks.push({ name: 'dns', status: 'pass', detail: `${r.server.host} → ${address}` });
    } catch (e) {
      checks.push(failed('dns', mapped(r, protocol, e), 'check server.host'));
      return report();
    }
  }

  let mechanisms: string[];
  try {
    const p = await probeServer(r, protocol, await tlsOptionsFor(r));
    checks.push({ name: 'connect', status: 'pass', detail: `greeting: ${p.greeting.slice(0, 80)}` });
    checks.push(r.server.secure === 'none'
      ? { name: 'tls', status: 'warn', detail: 'no TLS (plaintext loopback test server)', fix: 'use secure: tls or starttls for any real server' }
      : { name: 'tls', status: 'pass', detail: `${p.tls.protocol} ${p.tls.cipher}; certificate ${p.tls.subject} issued by ${p.tls.issuer}, valid to ${p.tls.validTo}` });
    checks.push({ name: 'capabilities', status: 'pass', detail: p.capabilities.join(' ').slice(0, 200) || '(none listed)' });
    mechanisms = p.mechanisms;
  } catch (e) {
    checks.push(failed('connect', mapped(r, protocol, e), 'check server.host, server.port and server.secure'));
    return report();
  }

  const oauth = mechanisms.filter((m) => m === 'XOAUTH2' || m === 'OAUTHBEARER');
  checks.push(oauth.length > 0
    ? { name: 'auth mechanisms', status: 'pass', detail: `offered: ${mechanisms.join(' ')}` }
    : {
        name: 'auth mechanisms', status: 'fail', detail: `no XOAUTH2 or OAUTHBEARER offered (offered: ${mechanisms.join(' ') || 'none'})`,
        fix: protocol === 'smtp'
          ? 'SMTP AUTH is only offered after STARTTLS: use port 587 with secure: starttls; for Exchange Online enable SMTP AUTH for the mailbox'
          : `enable OAuth on the server; for Exchange Online check that ${protocol.toUpperCase()} is enabled for the mailbox (Set-CASMailbox)`,
      });

  if (!token.usable || oauth.length === 0) {
    checks.push({ name: 'login', status: 'skip', detail: 'skipped: fix the failures above first' });
    return report();
  }
  checks.push(await checkLogin(o));
  return report();
}

/** A real login with the resource's token (and one forced refresh, as every operation does). */
async function checkLogin(o: RunDoctorOptions): Promise<DoctorCheck> {
  try {
    const mailbox = await openMailbox({ resource: o.resource, store: o.store, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) });
    try {
      const detail = await mailbox.verify();
      return { name: 'login', status: 'pass', detail };
    } finally {
      await mailbox.close();
    }
  } catch (e) {
    if (e instanceof UnsupportedError) return { name: 'login', status: 'skip', detail: e.message };
    return failed('login', e, `run \`mailbridge auth ${o.resource.name}\` and try again`);
  }
}

function mapped(r: Resource, protocol: ProbeProtocol, e: unknown): unknown {
  return toProtocolError({ protocol, host: r.server.host, port: r.server.port, operation: 'connect', secure: r.server.secure }, e);
}
