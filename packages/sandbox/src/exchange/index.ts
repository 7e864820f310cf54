import type { IdentityEmulator } from '../identity/index.js';
import { startAdminHttp, type ExchangeAdmin } from './admin.js';
import { createExchangeContext, type SandboxExchangeContext } from './context.js';
import { startEwsServer } from './ews/index.js';
import type { StreamingControl } from './ews/streaming.js';
import { startGraphServer } from './graph/index.js';
import { startImapServer } from './imap/index.js';
import { startPop3Server } from './pop3/index.js';
import type { ExchangeSeed, ExchangeSeedInput } from './seed.js';
import { startSmtpServer } from './smtp/index.js';

export { createExchangeContext, type ExchangeContextOptions, type SandboxExchangeContext } from './context.js';
export type { ExchangeAdmin, MailboxOverview, SubscriptionOverview } from './admin.js';
export { defaultNotificationPolicy, type LifecycleEvent, type NotificationOutcome, type NotificationPolicy, type SubscriptionEvents, type Subscription as GraphSubscriptionState, type Subscriptions } from './graph/subscriptions.js';
export { defaultExchangeSeed, exchangeSeedSchema, loadExchangeSeedFile, parseExchangeSeed, type ExchangeSeed, type ExchangeSeedInput } from './seed.js';
export { createMailStore, FolderOperationError, type MailStoreOptions, type SandboxMailStore } from './store/index.js';
// One endpoint over a context of its own (createExchangeContext), for a test that needs only that protocol.
export { startEwsServer, type EwsServer } from './ews/index.js';
export type { StreamingControl, StreamingLimits } from './ews/streaming.js';
export { startGraphServer, type GraphServer, type GraphServerEvents } from './graph/index.js';
export { startImapServer, type ImapServer, type ImapServerOptions } from './imap/index.js';
export type { FaultSpec } from './faults.js';
export * from './contract.js';

/** Listening ports; 0 (the default for each) picks a free one. */
export interface ExchangeSandboxPorts {
  /** SMTP submission with STARTTLS (587-style). */
  smtp?: number;
  /** POP3 with STLS (110-style). */
  pop3?: number;
  /** POP3 over implicit TLS (995-style). */
  pop3s?: number;
  /** IMAP over implicit TLS (993-style). */
  imaps?: number;
  /** IMAP with STARTTLS (143-style). */
  imap?: number;
  /** EWS over HTTPS (`/EWS/Exchange.asmx`). */
  ews?: number;
  /** Microsoft Graph over HTTPS (`/v1.0/...`). */
  graph?: number;
  /** The admin HTTP API (only started when `adminHttp` is true). */
  admin?: number;
}

export interface ExchangeSandboxOptions {
  /** The identity emulator whose tokens the sandbox accepts; its users get mailboxes. */
  identity: IdentityEmulator;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  ports?: ExchangeSandboxPorts;
  /** Keep the mail store on disk here (default: in memory). */
  dataDir?: string;
  /** Exchange seed (default: defaultExchangeSeed(): the sandbox app may act on every mailbox). */
  seed?: ExchangeSeed | ExchangeSeedInput;
  /** Directory `file:` seed messages are relative to. */
  seedBaseDir?: string;
  /** The sandbox clock (ms). */
  now?: () => number;
  /** Where the CA and server certificate are kept (pass the identity emulator's dataDir so both share one CA). */
  tlsDir?: string;
  /** Also serve the admin API over HTTP on loopback (the CLI does; tests use `admin` directly). */
  adminHttp?: boolean;
}

export interface ExchangeSandbox {
  smtp: { port: number };
  pop3: { port: number; tlsPort: number };
  /** `port`: implicit TLS; `starttlsPort`: plain with STARTTLS. */
  imap: { port: number; starttlsPort: number };
  /** `https://localhost:PORT`; the endpoint is `${url}/EWS/Exchange.asmx`. `streaming`: its streaming notifications' knobs. */
  ews: { url: string; streaming: StreamingControl };
  /** `https://localhost:PORT`; routes under `${url}/v1.0/`. */
  graph: { url: string };
  /** Host every endpoint listens on. */
  host: string;
  /** CA (PEM) of every endpoint's certificate (the same CA as the identity emulator's HTTPS). */
  caPem: string;
  context: SandboxExchangeContext;
  admin: ExchangeAdmin;
  /** `http://127.0.0.1:PORT/_admin` when `adminHttp` was asked for. */
  adminUrl?: string;
  close(): Promise<void>;
}

/** Start Exchange Online's stand-in: one store behind SMTP, POP3, IMAP, EWS and Graph, validating the identity emulator's tokens. */
export async function startExchangeSandbox(opts: ExchangeSandboxOptions): Promise<ExchangeSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const ports = opts.ports ?? {};
  const context = await createExchangeContext({
    identity: opts.identity,
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.seed ? { seed: opts.seed } : {}),
    ...(opts.seedBaseDir ? { seedBaseDir: opts.seedBaseDir } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.tlsDir ? { tlsDir: opts.tlsDir } : {}),
  });
  const closers: (() => Promise<void>)[] = [];
  try {
    const smtp = await startSmtpServer(context, { host, port: ports.smtp ?? 0 });
    closers.push(smtp.close);
    const pop3 = await startPop3Server(context, { host, port: ports.pop3 ?? 0, tlsPort: ports.pop3s ?? 0 });
    closers.push(pop3.close);
    const imap = await startImapServer(context, { host, port: ports.imaps ?? 0, starttlsPort: ports.imap ?? 0 });
    closers.push(imap.close);
    const ews = await startEwsServer(context, { host, port: ports.ews ?? 0 });
    closers.push(ews.close);
    const graph = await startGraphServer(context, { host, port: ports.graph ?? 0 });
    closers.push(graph.close);
    // The emulator's OpenID metadata (msgraph_host) then points clients at this Graph, as Microsoft's does at its own.
    opts.identity.seed.options.msgraphHost = new URL(graph.url).host;
    const adminHttp = opts.adminHttp ? await startAdminHttp(context.admin, { host, port: ports.admin ?? 0 }) : undefined;
    if (adminHttp) closers.push(adminHttp.close);
    return {
      smtp: { port: smtp.port },
      pop3: { port: pop3.port, tlsPort: pop3.tlsPort },
      imap: { port: imap.port, starttlsPort: imap.starttlsPort },
      ews: { url: ews.url, streaming: ews.streaming },
      graph: { url: graph.url },
      host,
      caPem: context.tls.ca,
      context,
      admin: context.admin,
      ...(adminHttp ? { adminUrl: adminHttp.url } : {}),
      close: () => closeAll(closers),
    };
  } catch (e) {
    await closeAll(closers);
    throw e;
  }
}

async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  await Promise.allSettled(closers.reverse().map((c) => c()));
}
