/**
 * Backends for the facade suite (facade-suite.test.ts): each a fresh mailbox behind a real
 * server, opened with openMailbox and a real TokenManager over a resource consented at an
 * identity emulator (sign-in page, consent page, code), so the tokens are the ones a user gets.
 * The rig's backends reuse facade-consent.ts; the sandbox's share one Exchange sandbox.
 */
import { randomBytes } from 'node:crypto';
import {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
} from '../../src/auth/authorization-code.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { applyPreset } from '../../src/config/presets.js';
import type { Resource, ResourceKind } from '../../src/config/resource.js';
import { parseResource } from '../../src/config/validate.js';
import type { Mailbox } from '../../src/mail/mailbox.js';
import { openMailbox } from '../../src/mail/open.js';
import { SANDBOX } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { completeConsent } from '../helpers/consent.js';
import type { Rig } from '../helpers/rig.js';
import { APP, type Sandboxes } from '../sandbox/exchange/support.js';
import { consentedResource } from './facade-consent.js';

/** A fresh mailbox of one backend, its messages put in, ready for the scenarios. */
export interface BackendWorld {
  user: string;
  mailbox: Mailbox;
  /** What sends for this backend: an smtp resource's mailbox (imap, pop3) or the mailbox itself. */
  sender: Mailbox;
  /** Puts raw messages into the INBOX in this order, each received after the one before. */
  deliver(raws: Buffer[]): Promise<void>;
  createFolder(name: string): Promise<void>;
  close(): Promise<void>;
}

export type ReceiveKind = Extract<ResourceKind, 'imap' | 'pop3' | 'ews' | 'graph'>;

/** A store (in memory, sealed) of its own per backend, so no two backends share a token cache. */
function memoryStore(): Store {
  return openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
}

// ---------------------------------------------------------------------------------------- the rig

/** IMAP or POP3 on the rig's Dovecot, sending through its Postfix submission port. */
export async function rigWorld(rig: Rig, kind: 'imap' | 'pop3'): Promise<BackendWorld> {
  const user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  const store = memoryStore();
  const recv = await consentedResource(rig, kind, { store, name: `suite-${kind}`, user });
  const send = await consentedResource(rig, 'smtp', { store, name: `suite-${kind}-smtp`, user });
  const mailbox = await openMailbox({ resource: recv.resource.name, store, tokens: recv.tokens });
  const sender = await openMailbox({ resource: send.resource.name, store, tokens: send.tokens });
  return {
    user, mailbox, sender,
    async deliver(raws) {
      // LMTP delivery in turn: Dovecot gives increasing UIDs, so the order is certain.
      for (const raw of raws) await rig.deliver(user, raw);
    },
    async createFolder(name) {
      await rig.doveadm(['mailbox', 'create', '-u', user, name]);
    },
    async close() {
      await Promise.allSettled([mailbox.close(), sender.close()]);
      await store.close();
    },
  };
}

// ------------------------------------------------------------------------------------ the sandbox

/**
 * A resource of `kind` pointing at the Exchange sandbox, consented by `user` at the sandbox's
 * identity emulator and stored with its refresh token. `scope` widens the consent (the smtp
 * resource of the Graph fallback asks for Graph's Mail.Send too).
 */
export async function consentedSandboxResource(
  sb: Sandboxes, kind: ResourceKind, opts: { store: Store; name: string; user: string; scope?: string; extra?: Partial<Resource> },
): Promise<{ tokens: TokenManager; resource: Resource }> {
  const x = sb.exchange;
  const endpoint = {
    imap: { mailHost: x.host, port: x.imap.port },
    pop3: { mailHost: x.host, port: x.pop3.tlsPort },
    smtp: { mailHost: x.host, port: x.smtp.port },
    ews: { mailHost: x.ews.url },
    graph: { mailHost: x.graph.url },
  }[kind];
  const resource = parseResource({
    ...applyPreset({
      preset: 'm365', name: opts.name, kind, tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
      user: opts.user, authorityUrl: sb.identity.url, callbackUrl: 'https://localhost', tls: { caFile: sb.caFile },
      ...endpoint, ...(opts.scope ? { scope: opts.scope } : {}),
    }),
    ...opts.extra,
  });
  const { store } = opts;
  await store.putResource(resource);
  await store.putSecret(resource.name, 'client_secret', new Secret(SANDBOX.clientSecret));
  const tokens = new TokenManager({ store });
  const req = await buildAuthorizationRequest(resource, store);
  const redirect = await completeConsent(req.url, { username: opts.user, password: SANDBOX.password });
  const grant = await processAuthorizationResponse(resource.name, store, parseAuthorizationResponse(redirect.searchParams));
  const { response, audience } = await exchangeAuthorizationCode(resource, store, grant, tokens.endpointDeps(resource.name));
  await tokens.recordGrant(resource.name, response, audience);
  return { tokens, resource };
}

/** A new user of the sandbox tenant: a sign-in at the identity emulator and a mailbox. */
export function sandboxUser(sb: Sandboxes, prefix: string): string {
  const user = `${prefix}-${randomBytes(4).toString('hex')}@${SANDBOX.tenantDomain}`;
  sb.identity.admin.upsertUser({ username: user, password: SANDBOX.password });
  sb.exchange.admin.createMailbox(user);
  return user;
}

/** Exchange Online from 2026-10 admits only allow-listed apps to EWS; the suite's app is one. */
export function allowEws(sb: Sandboxes): void {
  sb.exchange.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [APP] });
}

/** A backend on the shared sandbox: imap/pop3 send through its SMTP endpoint, ews/graph themselves. */
export async function sandboxWorld(sb: Sandboxes, kind: ReceiveKind): Promise<BackendWorld> {
  const user = sandboxUser(sb, `suite-${kind}`);
  const store = memoryStore();
  const recv = await consentedSandboxResource(sb, kind, { store, name: `suite-${kind}`, user });
  const mailbox = await openMailbox({ resource: recv.resource.name, store, tokens: recv.tokens });
  let sender = mailbox;
  if (kind === 'imap' || kind === 'pop3') {
    const send = await consentedSandboxResource(sb, 'smtp', { store, name: `suite-${kind}-smtp`, user });
    sender = await openMailbox({ resource: send.resource.name, store, tokens: send.tokens });
  }
  const box = () => {
    const b = sb.exchange.context.store.mailbox(user);
    if (!b) throw new Error(`the sandbox has no mailbox ${user}`);
    return b;
  };
  return {
    user, mailbox, sender,
    async deliver(raws) {
      // Exchange orders by receive time; one second apart (as Graph's timestamps are) keeps
      // the order certain however fast the appends run.
      const inbox = box().folder('inbox');
      if (!inbox) throw new Error(`no inbox for ${user}`);
      const start = Date.now() - raws.length * 1000;
      for (const [i, raw] of raws.entries()) await inbox.append(raw, { receivedAt: start + i * 1000 });
    },
    async createFolder(name) {
      box().createFolder(name);
    },
    async close() {
      await Promise.allSettled([mailbox.close(), ...(sender === mailbox ? [] : [sender.close()])]);
      await store.close();
    },
  };
}
