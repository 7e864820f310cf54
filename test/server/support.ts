/**
 * Wiring for the service tests: a real SQLite store in a temp folder, the credential table on
 * the same file, the service built on them, an API key, and helpers to call it by inject or
 * over real HTTP on a loopback port.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildServer, type MailbridgeServer } from '../../src/server/app.js';
import { createCredentialStore, type CredentialStore } from '../../src/server/credentials.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { TokenManager } from '../../src/auth/token-manager.js';

export const CONSOLE_PASSWORD = 'correct horse battery staple';

export interface Service {
  dir: string;
  store: Store;
  credentials: CredentialStore;
  server: MailbridgeServer;
  runner: TriggerRunner;
  /** A live API key. */
  key: string;
  /** http://127.0.0.1:PORT once listen() ran. */
  base: string;
  listen(): Promise<string>;
  /** JSON call through inject with the API key. */
  api(method: string, url: string, body?: unknown): Promise<{ status: number; json: any; text: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * `allowHostAccess` defaults to true here: the rig's resources name its CA file, as an operator
 * who started `serve --allow-host-access` would; test/server/privilege.test.ts starts without.
 */
export async function startService(opts: { syncIntervalMs?: number; allowHostAccess?: boolean } = {}): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-server-'));
  const path = join(dir, 'mailbridge.db');
  const store = openSqliteStore({ path, sealer: createSealer(randomBytes(32)) });
  const credentials = createCredentialStore(store);
  const tokens = new TokenManager({ store });
  const runner = new TriggerRunner({ store, tokens, syncIntervalMs: opts.syncIntervalMs ?? 60_000 });
  const server = await buildServer({ store, credentials, tokens, runner, consolePassword: new Secret(CONSOLE_PASSWORD),
    allowHostAccess: opts.allowHostAccess ?? true });
  const key = (await credentials.createApiKey('tests', ['admin'])).key.reveal();
  const svc: Service = {
    dir, store, credentials, server, runner, key, base: '',
    async listen() {
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      svc.base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      return svc.base;
    },
    async api(method, url, body) {
      const res = await server.app.inject({
        method: method as 'GET', url,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      let json: unknown;
      try { json = JSON.parse(res.body); } catch { json = undefined; }
      return { status: res.statusCode, json, text: res.body, headers: res.headers };
    },
    async close() {
      await runner.stop();
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return svc;
}

/** The body of an M365 resource pointing at an identity emulator (and, optionally, the rig). */
export function m365Body(name: string, o: { kind: 'imap' | 'pop3' | 'smtp'; authorityUrl: string; tenantId: string; clientId: string; clientSecret: string;
  user: string; callbackUrl?: string; mailHost?: string; port?: number; secure?: 'tls' | 'starttls'; caFile?: string; responseMode?: 'query' | 'form_post' }): Record<string, unknown> {
  return {
    name, kind: o.kind, preset: 'm365', tenantId: o.tenantId, clientId: o.clientId, clientSecret: o.clientSecret, user: o.user,
    ...(o.kind === 'smtp' ? { from: o.user } : {}),
    authorityUrl: o.authorityUrl, callbackUrl: o.callbackUrl ?? 'http://127.0.0.1',
    ...(o.mailHost ? { mailHost: o.mailHost } : {}), ...(o.port ? { port: o.port } : {}), ...(o.secure ? { secure: o.secure } : {}),
    ...(o.caFile ? { tls: { caFile: o.caFile } } : {}), ...(o.responseMode ? { responseMode: o.responseMode } : {}),
  };
}

/** A form body with the CSRF token and cookies of a console page, as a browser would send it. */
export function cookieHeader(setCookie: string | string[] | undefined, jar: Map<string, string> = new Map()): Map<string, string> {
  for (const c of [setCookie ?? []].flat()) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    jar.set(pair!.slice(0, i), pair!.slice(i + 1));
  }
  return jar;
}

export function jarText(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Adds a resource on the mail rig (its emulator, its servers, its CA) and consents as `user` through the service. */
export async function addRigResource(svc: Service, rig: import('../helpers/rig.js').Rig, name: string, kind: 'imap' | 'pop3' | 'smtp', user: string): Promise<void> {
  const { completeConsent } = await import('../helpers/consent.js');
  const { SANDBOX } = await import('@mailbridge/sandbox');
  await rig.ensureUser(user);
  const port = { imap: rig.imap.port, pop3: rig.pop3.port, smtp: rig.smtp.submissionPort }[kind];
  const added = await svc.api('POST', '/api/resources', m365Body(name, {
    kind, authorityUrl: rig.emulatorUrl, tenantId: rig.tenantId, clientId: SANDBOX.confidentialClientId, clientSecret: SANDBOX.clientSecret, user,
    mailHost: rig.host, port, secure: kind === 'smtp' ? 'starttls' : 'tls', caFile: rig.caFile,
  }));
  if (added.status !== 201) throw new Error(`adding ${name}: ${added.text}`);
  const start = await svc.api('POST', `/api/resources/${name}/consent`);
  const back = await completeConsent(start.json.authorizeUrl, { username: user, password: rig.basicPassword.reveal() });
  const res = await fetch(back);
  if (res.status !== 200) throw new Error(`consent for ${name}: ${await res.text()}`);
}
