/**
 * Wiring for the IMAP endpoint's tests: an identity emulator in-process, the Exchange
 * context (xcore's store and token check) over it, and our IMAP server on free ports.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { createExchangeContext, type SandboxExchangeContext, startImapServer, type ImapServer, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';

export const OUTLOOK = 'https://outlook.office365.com';
export const ALICE: string = SANDBOX.alice;
export const BOB: string = SANDBOX.bob;

export interface ImapFixture {
  identity: IdentityEmulator;
  ctx: SandboxExchangeContext;
  server: ImapServer;
  token(user?: string, audience?: string, scope?: string): Promise<string>;
  /** A logged-in imapflow client (XOAUTH2 over implicit TLS); closed by `close()`. */
  client(user?: string, extra?: Partial<ImapFlowOptions>): Promise<ImapFlow>;
  close(): Promise<void>;
}

export async function startImapFixture(): Promise<ImapFixture> {
  const identity = await startIdentityEmulator();
  const ctx = await createExchangeContext({ identity });
  const server = await startImapServer(ctx, { host: '127.0.0.1', port: 0, starttlsPort: 0 });
  const clients: ImapFlow[] = [];
  const token = async (user = ALICE, audience = OUTLOOK, scope?: string) =>
    (await identity.admin.mintAccessToken({ username: user, audience, ...(scope ? { scope } : {}) })).access_token;
  return {
    identity,
    ctx,
    server,
    token,
    async client(user = ALICE, extra = {}) {
      const c = new ImapFlow({
        host: '127.0.0.1',
        port: server.port,
        secure: true,
        tls: { ca: [ctx.tls.ca], servername: 'localhost' },
        auth: { user, accessToken: await token(user) },
        logger: false,
        disableAutoIdle: true,
        ...extra,
      });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => (c.usable ? c.logout() : Promise.resolve(c.close()))));
      await server.close();
      await identity.close();
    },
  };
}

/** A small RFC 5322 message. */
export function message(o: { subject: string; from?: string; to?: string; body?: string; date?: string; attachment?: boolean }): Buffer {
  const head = [
    `From: ${o.from ?? 'Sender <sender@example.test>'}`,
    `To: ${o.to ?? ALICE}`,
    `Subject: ${o.subject}`,
    `Date: ${o.date ?? 'Wed, 01 May 2024 10:00:00 +0000'}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    'MIME-Version: 1.0',
  ];
  if (!o.attachment) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', o.body ?? 'hello', ''].join('\r\n'));
  return Buffer.from([
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', o.body ?? 'see attached', '',
    '--b1', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64', '', Buffer.from('0123456789'.repeat(50)).toString('base64'), '',
    '--b1--', '',
  ].join('\r\n'));
}
