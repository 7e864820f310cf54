/**
 * Wiring for trigger tests on the Exchange sandbox: the identity emulator and the sandbox in
 * this process, a file-backed store (a child process or a "restart" can open it again) with
 * imap / ews / graph resources on alice's mailbox, each consented through the emulator's
 * sign-in and consent pages, and direct looks into the sandbox's mail store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorize } from '../../src/auth/consent.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { startExchangeSandbox, type ExchangeSandbox, SANDBOX, completeConsent, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';

export type ExchangeKind = 'imap' | 'ews' | 'graph';

export interface ExchangeFixture {
  identity: IdentityEmulator;
  sandbox: ExchangeSandbox;
  store: Store;
  tokens: TokenManager;
  user: string;
  dbPath: string;
  key: Buffer;
  /** Puts a message into the user's Inbox as the sandbox's transport does. */
  deliver(raw: string | Buffer): Promise<void>;
  /** Message-IDs (without brackets) in the user's Inbox right now. */
  inboxMessageIds(): Set<string>;
  /** Signs in and consents again (after a revocation), as a person would. */
  consent(name: string): Promise<void>;
  reopenStore(): Store;
  close(): Promise<void>;
}

/** Resource names are the kinds: `imap`, `ews`, `graph`. */
export async function exchangeFixture(kinds: readonly ExchangeKind[], opts: { store?: Store } = {}): Promise<ExchangeFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'mbt-exchange-'));
  const identity = await startIdentityEmulator({ dataDir: dir });
  const sandbox = await startExchangeSandbox({ identity, tlsDir: dir });
  // Exchange Online's EWS switch-off: only allow-listed apps may use EWS.
  sandbox.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [SANDBOX.confidentialClientId] });
  const caFile = join(dir, 'ca-for-clients.pem');
  writeFileSync(caFile, sandbox.caPem);
  const user = SANDBOX.alice;
  sandbox.admin.createMailbox(user);
  const dbPath = join(dir, 'mailbridge.db');
  const key = randomBytes(32);
  // Another store (PostgreSQL) when the test brings one; `reopenStore` then still opens the SQLite file.
  const store = opts.store ?? openSqliteStore({ path: dbPath, sealer: createSealer(key) });
  const tokens = new TokenManager({ store });
  const common = {
    preset: 'm365' as const, tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
    user, authorityUrl: identity.url,
  };
  const inputs = {
    imap: { ...common, kind: 'imap' as const, mailHost: sandbox.host, port: sandbox.imap.port, secure: 'tls' as const },
    ews: { ...common, kind: 'ews' as const, domain: SANDBOX.tenantDomain, mailHost: sandbox.ews.url },
    graph: { ...common, kind: 'graph' as const, mailHost: sandbox.graph.url },
  };
  const consent = async (name: string) => {
    let url = '';
    await authorize(tokens, name, {
      mode: 'paste',
      io: {
        print: () => undefined,
        onAuthorizeUrl: (u) => { url = u; },
        readRedirectUrl: async () => (await completeConsent(url, { username: user, password: SANDBOX.password })).toString(),
      },
    });
  };
  for (const kind of kinds) {
    await store.putResource(parseResource({ ...applyPreset({ ...inputs[kind], name: kind }), tls: { caFile } }));
    await store.putSecret(kind, 'client_secret', new Secret(SANDBOX.clientSecret));
    await consent(kind);
  }
  const inbox = () => {
    const f = sandbox.context.store.mailbox(user)?.folder('inbox');
    if (!f) throw new Error(`no inbox for ${user}`);
    return f;
  };
  return {
    identity, sandbox, store, tokens, user, dbPath, key, consent,
    async deliver(raw) {
      const r = await sandbox.admin.deliver(Buffer.from(raw), { from: 'sender@example.test', to: [user] });
      if (r.accepted.length !== 1) throw new Error(`delivery to ${user} refused`);
    },
    inboxMessageIds() {
      return new Set(inbox().list().map((m) => (m.summary.messageId ?? '').replace(/^<|>$/g, '')).filter(Boolean));
    },
    reopenStore: () => openSqliteStore({ path: dbPath, sealer: createSealer(key) }),
    async close() {
      await store.close().catch(() => undefined);
      await sandbox.close();
      await identity.close();
    },
  };
}

/** A small message with a known Message-ID (without brackets). */
export function numberedMessage(tag: string, i: number): { raw: string; messageId: string } {
  const messageId = `${tag}.${i}.${randomBytes(4).toString('hex')}@example.test`;
  return {
    messageId,
    raw: `From: Sender <sender@example.test>\r\nTo: ${SANDBOX.alice}\r\nSubject: ${tag} ${i}\r\nMessage-ID: <${messageId}>\r\n` +
      `Date: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody ${i}\r\n`,
  };
}

/**
 * A mailbox the app reads app-only (client credentials, ExchangeImpersonation): created in the
 * sandbox, Full Access granted to the app (Add-MailboxPermission), and an EWS resource `name`
 * for it with the client secret stored.
 */
export async function addAppOnlyEwsMailbox(
  o: { sandbox: ExchangeSandbox; identity: IdentityEmulator; store: Store; caFile: string },
  name: string,
  user: string,
): Promise<void> {
  o.sandbox.admin.createMailbox(user);
  o.sandbox.admin.grantFullAccess(user, SANDBOX.confidentialClientId);
  await o.store.putResource(
    parseResource({
      ...applyPreset({
        name,
        kind: 'ews',
        preset: 'm365',
        flow: 'client_credentials',
        tenantId: SANDBOX.tenantId,
        clientId: SANDBOX.confidentialClientId,
        user,
        authorityUrl: o.identity.url,
        domain: SANDBOX.tenantDomain,
        mailHost: o.sandbox.ews.url,
      }),
      tls: { caFile: o.caFile },
    }),
  );
  await o.store.putSecret(name, 'client_secret', new Secret(SANDBOX.clientSecret));
}
