/**
 * Wiring for Graph client tests: the identity emulator, the Exchange sandbox and its Graph
 * endpoint (real servers, in process), tokens minted at the emulator, and a graph resource.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessTokenProvider } from '../../src/auth/token-provider.js';
import { applyPreset } from '../../src/config/presets.js';
import type { Resource } from '../../src/config/resource.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';
import { startExchangeSandbox, type ExchangeSandbox, startGraphServer, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';

export const GRAPH = 'https://graph.microsoft.com';
export const ALL_SCOPES = 'Mail.ReadWrite Mail.Send Calendars.ReadWrite Contacts.ReadWrite Tasks.ReadWrite User.Read';

export interface GraphWorld {
  identity: IdentityEmulator;
  sandbox: ExchangeSandbox;
  graphUrl: string;
  caFile: string;
  /** The Graph endpoint's events (`admitted` with the server-side in-flight count). */
  events: import('node:events').EventEmitter<import('@mailbridge/sandbox').GraphServerEvents>;
  resource(overrides?: { user?: string; flow?: 'client_credentials' }): Resource;
  /** Delegated tokens for `user`; `issued` counts the tokens handed out. */
  delegated(user: string, scope?: string): AccessTokenProvider & { issued: number; forced: number };
  appOnly(roles?: string[]): AccessTokenProvider;
  deliver(to: string, raw: string | Buffer, from?: string): Promise<void>;
  /** Puts a message into a folder with a given receive time (distinct times keep the order certain). */
  put(user: string, raw: string | Buffer, receivedAt: number, folder?: string): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;
/** A fresh mailbox address per test, so tests never see each other's mail. */
export function uniqueUser(): string {
  counter++;
  return `g${process.pid}x${counter}x${Math.random().toString(36).slice(2, 7)}@${SANDBOX.tenantDomain}`;
}

export async function startGraphWorld(): Promise<GraphWorld> {
  const identity = await startIdentityEmulator();
  const sandbox = await startExchangeSandbox({ identity });
  // Until the sandbox core starts the Graph endpoint itself, start it on the same context.
  const built = (sandbox as Partial<{ graph: { url: string; events?: GraphWorld['events'] } }>).graph;
  const own = built?.events ? undefined : await startGraphServer(sandbox.context, { host: '127.0.0.1', port: 0 });
  const graphUrl = own?.url ?? (built as { url: string }).url;
  const events = (own?.events ?? built?.events) as GraphWorld['events'];
  const dir = mkdtempSync(join(tmpdir(), 'mb-graph-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caPem);

  const ensure = (user: string) => {
    if (!identity.admin.listUsers().some((u) => u.username === user)) identity.admin.upsertUser({ username: user, password: SANDBOX.password });
    sandbox.admin.createMailbox(user);
  };

  return {
    identity, sandbox, graphUrl, caFile, events,
    resource(o = {}) {
      return parseResource(applyPreset({
        name: 'graph-test', kind: 'graph', tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
        ...(o.user ? { user: o.user } : {}), ...(o.flow ? { flow: o.flow } : {}),
        authorityUrl: identity.url, mailHost: graphUrl, tls: { caFile },
      }));
    },
    delegated(user, scope = ALL_SCOPES) {
      ensure(user);
      const p = {
        issued: 0, forced: 0,
        async getAccessToken(opts: { forceRefresh?: boolean } = {}) {
          p.issued++;
          if (opts.forceRefresh) p.forced++;
          const t = await identity.admin.mintAccessToken({ username: user, clientId: SANDBOX.confidentialClientId, audience: GRAPH, scope });
          return new Secret(t.access_token);
        },
      };
      return p;
    },
    appOnly(roles = ['Mail.ReadWrite', 'Mail.Send']) {
      return {
        async getAccessToken() {
          const t = await identity.admin.mintAccessToken({ clientId: SANDBOX.confidentialClientId, audience: GRAPH, roles });
          return new Secret(t.access_token);
        },
      };
    },
    async deliver(to, raw, from = 'sender@example.com') {
      ensure(to);
      const r = await sandbox.admin.deliver(Buffer.from(raw), { from, to: [to] });
      if (r.accepted.length !== 1) throw new Error(`delivery to ${to} refused`);
    },
    async put(user, raw, receivedAt, folder = 'inbox') {
      ensure(user);
      const f = sandbox.context.store.mailbox(user)?.folder(folder);
      if (!f) throw new Error(`no folder ${folder} for ${user}`);
      await f.append(Buffer.from(raw), { receivedAt });
    },
    async close() {
      await own?.close();
      await sandbox.close();
      await identity.close();
    },
  };
}

/** A small RFC 5322 message. */
export function rawMessage(i: number, opts: { subject?: string; date?: Date; to?: string } = {}): string {
  const date = opts.date ?? new Date(Date.UTC(2024, 4, 1, 9, i));
  return [
    'From: Sender <sender@example.com>', `To: ${opts.to ?? 'someone@example.com'}`, `Subject: ${opts.subject ?? `message ${i}`}`,
    `Date: ${date.toUTCString()}`, `Message-ID: <m${i}.${Math.random().toString(36).slice(2)}@example.com>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', `body ${i}`, '',
  ].join('\r\n');
}
