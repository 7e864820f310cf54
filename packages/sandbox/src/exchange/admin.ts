import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ExchangeFault, TenantSettings } from './contract.js';
import { faultSpecSchema, type FaultRegistry, type FaultSpec } from './faults.js';
import type { SandboxMailStore } from './store/index.js';
import type { LifecycleEvent, NotificationOutcome, NotificationPolicy, Subscriptions } from './graph/subscriptions.js';

/** A Graph change-notification subscription as the admin API lists it. */
export interface SubscriptionOverview {
  id: string;
  mailbox: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  /** ISO 8601. */
  expirationDateTime: string;
  applicationId: string;
  needsReauthorization: boolean;
}

/** A mailbox as the admin API lists it. */
export interface MailboxOverview {
  address: string;
  displayName: string;
  folders: { id: string; path: string; total: number; unseen: number; uidValidity: number; uidNext: number }[];
}

/** The sandbox's control surface for tests and the CLI: the same in-process and over HTTP (/_admin). */
export interface ExchangeAdmin {
  /** A copy of the live tenant settings. */
  getSettings(): TenantSettings;
  /** Change settings live (shallow merge: a given field replaces the old one). */
  updateSettings(patch: Partial<TenantSettings>): TenantSettings;
  /** Set-TransportConfig (no mailbox) or Set-CASMailbox -SmtpClientAuthenticationDisabled; `null` clears a mailbox's own value. */
  setSmtpAuthDisabled(disabled: boolean | null, mailbox?: string): void;
  /** Add-MailboxPermission -AccessRights FullAccess (principal: upn or app id). */
  grantFullAccess(mailbox: string, principal: string): void;
  revokeFullAccess(mailbox: string, principal: string): void;
  /** Add-RecipientPermission -AccessRights SendAs. */
  grantSendAs(mailbox: string, upn: string): void;
  addFault(spec: FaultSpec): ExchangeFault;
  listFaults(): ExchangeFault[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  createMailbox(address: string, displayName?: string): MailboxOverview;
  listMailboxes(): MailboxOverview[];
  /** Graph change-notification subscriptions alive now (every app's). */
  listSubscriptions(): SubscriptionOverview[];
  /** Send a lifecycle notification (`subscriptionRemoved` also removes the subscription). */
  sendLifecycleEvent(subscriptionId: string, event: LifecycleEvent): Promise<NotificationOutcome>;
  /** Let a subscription lapse now, as if it was not renewed in time. */
  expireSubscription(subscriptionId: string): boolean;
  /** How notifications are sent: a share dropped, slow endpoints throttled (shallow merge). */
  setNotificationPolicy(patch: Partial<NotificationPolicy>): NotificationPolicy;
  /** Deliver a message as if from outside (no SMTP session, no limits). */
  deliver(raw: Buffer, envelope: { from: string; to: string[] }): Promise<{ accepted: string[]; rejected: string[] }>;
}

export function createExchangeAdmin(store: SandboxMailStore, settings: TenantSettings, faults: FaultRegistry, subs: Subscriptions): ExchangeAdmin {
  const overview = (address: string): MailboxOverview => {
    const box = store.mailbox(address)!;
    return {
      address: box.address,
      displayName: box.displayName,
      folders: box.folders().map((f) => {
        const c = f.counts();
        return { id: f.id, path: f.path, total: c.total, unseen: c.unseen, uidValidity: f.uidValidity, uidNext: f.uidNext };
      }),
    };
  };
  const lc = (s: string) => s.toLowerCase();
  return {
    getSettings: () => structuredClone(settings),
    updateSettings(patch) {
      Object.assign(settings, structuredClone(patch));
      return structuredClone(settings);
    },
    setSmtpAuthDisabled(disabled, mailbox) {
      if (!mailbox) settings.smtpAuthDisabled = disabled ?? false;
      else if (disabled === null) delete settings.mailboxSmtpAuthDisabled[lc(mailbox)];
      else settings.mailboxSmtpAuthDisabled[lc(mailbox)] = disabled;
    },
    grantFullAccess(mailbox, principal) {
      const list = (settings.fullAccess[lc(mailbox)] ??= []);
      if (!list.some((p) => lc(p) === lc(principal))) list.push(principal);
    },
    revokeFullAccess(mailbox, principal) {
      const list = settings.fullAccess[lc(mailbox)];
      if (list) settings.fullAccess[lc(mailbox)] = list.filter((p) => lc(p) !== lc(principal));
    },
    grantSendAs(mailbox, upn) {
      const list = (settings.sendAs[lc(mailbox)] ??= []);
      if (!list.some((p) => lc(p) === lc(upn))) list.push(upn);
    },
    addFault: (spec) => faults.add(spec),
    listFaults: () => faults.list(),
    removeFault: (id) => faults.remove(id),
    clearFaults: () => faults.clear(),
    createMailbox(address, displayName) {
      store.ensureMailbox(address, displayName);
      return overview(address);
    },
    listMailboxes: () => store.mailboxes().map((b) => overview(b.address)),
    listSubscriptions: () => subs.list().map((x) => ({
      id: x.id, mailbox: x.mailbox, resource: x.resource, changeType: x.changeTypes.join(','), notificationUrl: x.notificationUrl,
      ...(x.lifecycleNotificationUrl ? { lifecycleNotificationUrl: x.lifecycleNotificationUrl } : {}),
      expirationDateTime: new Date(x.expiresAt).toISOString(), applicationId: x.applicationId, needsReauthorization: x.needsReauthorization === true,
    })),
    sendLifecycleEvent: (id, event) => subs.lifecycle(id, event),
    expireSubscription: (id) => subs.expire(id),
    setNotificationPolicy(patch) {
      subs.policy = { ...subs.policy, ...patch };
      return { ...subs.policy };
    },
    deliver: (raw, envelope) => store.deliver(raw, envelope),
  };
}

const settingsPatchSchema = z.object({
  smtpAuthDisabled: z.boolean(),
  mailboxSmtpAuthDisabled: z.record(z.string(), z.boolean()),
  ewsEnabled: z.boolean().nullable(),
  ewsAllowedAppIds: z.array(z.string()),
  fullAccess: z.record(z.string(), z.array(z.string())),
  sendAs: z.record(z.string(), z.array(z.string())),
}).partial().strict();

const smtpAuthSchema = z.object({ disabled: z.boolean().nullable(), mailbox: z.string().includes('@').optional() }).strict();
const mailboxSchema = z.object({ address: z.string().includes('@'), displayName: z.string().min(1).optional() }).strict();
const lifecycleSchema = z.object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }).strict();
const policySchema = z.object({
  dropShare: z.number().min(0).max(1), slowMs: z.number().int().min(0), slowShare: z.number().min(0).max(1),
  dropShareThrottled: z.number().min(0).max(1), delayMs: z.number().int().min(0), windowMs: z.number().int().positive(), minSamples: z.number().int().min(1),
}).partial().strict();
const deliverSchema = z.object({ from: z.string(), to: z.array(z.string()).min(1), raw: z.string().min(1) }).strict();

/**
 * The admin API over HTTP, for a sandbox run from the CLI (tests use the handle in-process).
 * Bound to the sandbox's loopback host; requests from anywhere else are refused anyway.
 */
export async function startAdminHttp(admin: ExchangeAdmin, opts: { host: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void handle(admin, req, res).catch((e: unknown) => send(res, 500, { error: 'internal', message: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/_admin`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 64 * 1024 * 1024) throw new Error('request body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : {};
}

async function handle(admin: ExchangeAdmin, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, { error: 'forbidden', message: 'the admin API answers loopback clients only' });
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  const parse = async <T>(schema: z.ZodType<T>): Promise<T | undefined> => {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      send(res, 400, { error: 'bad_request', message: 'the body is not JSON' });
      return undefined;
    }
    const r = schema.safeParse(body);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    send(res, 400, { error: 'bad_request', message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` });
    return undefined;
  };
  if (path === '/_admin/settings' && method === 'GET') return send(res, 200, admin.getSettings());
  if (path === '/_admin/settings' && method === 'PATCH') {
    const patch = await parse(settingsPatchSchema);
    if (patch) send(res, 200, admin.updateSettings(patch as Partial<TenantSettings>));
    return;
  }
  if (path === '/_admin/smtp-auth' && method === 'POST') {
    const b = await parse(smtpAuthSchema);
    if (b) {
      admin.setSmtpAuthDisabled(b.disabled, b.mailbox);
      send(res, 200, admin.getSettings());
    }
    return;
  }
  if (path === '/_admin/faults' && method === 'GET') return send(res, 200, admin.listFaults());
  if (path === '/_admin/faults' && method === 'POST') {
    const spec = await parse(faultSpecSchema);
    if (spec) send(res, 201, admin.addFault(spec));
    return;
  }
  if (path === '/_admin/faults' && method === 'DELETE') {
    admin.clearFaults();
    return send(res, 204, undefined);
  }
  const faultId = /^\/_admin\/faults\/([\w-]+)$/.exec(path)?.[1];
  if (faultId && method === 'DELETE') return admin.removeFault(faultId) ? send(res, 204, undefined) : send(res, 404, { error: 'not_found', message: `no fault ${faultId}` });
  if (path === '/_admin/mailboxes' && method === 'GET') return send(res, 200, admin.listMailboxes());
  if (path === '/_admin/mailboxes' && method === 'POST') {
    const b = await parse(mailboxSchema);
    if (b) send(res, 201, admin.createMailbox(b.address, b.displayName));
    return;
  }
  if (path === '/_admin/graph/subscriptions' && method === 'GET') return send(res, 200, admin.listSubscriptions());
  if (path === '/_admin/graph/notification-policy' && method === 'PATCH') {
    const b = await parse(policySchema);
    if (b) send(res, 200, admin.setNotificationPolicy(b as Partial<NotificationPolicy>));
    return;
  }
  const subId = /^\/_admin\/graph\/subscriptions\/([\w-]+)\/(lifecycle|expire)$/.exec(path);
  if (subId && method === 'POST') {
    if (subId[2] === 'expire') return admin.expireSubscription(subId[1]!) ? send(res, 204, undefined) : send(res, 404, { error: 'not_found', message: `no subscription ${subId[1]}` });
    const b = await parse(lifecycleSchema);
    if (b) send(res, 200, await admin.sendLifecycleEvent(subId[1]!, b.event));
    return;
  }
  if (path === '/_admin/deliver' && method === 'POST') {
    const b = await parse(deliverSchema);
    if (b) send(res, 200, await admin.deliver(Buffer.from(b.raw.replace(/\r?\n/g, '\r\n')), { from: b.from, to: b.to }));
    return;
  }
  send(res, 404, { error: 'not_found', message: `no admin route ${method} ${path}` });
}

function isLoopback(addr: string | undefined): boolean {
  return !!addr && (addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'));
}
