import type { AddressInfo } from 'node:net';
import type { SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { ExchangeContext, TokenPrincipal } from '../contract.js';
import { canSendAs, smtpAuthState } from '../settings.js';
import { summarize } from '../store/summary.js';
import { SubmissionRate } from './rate.js';
import { REPLY, SERVER_NAME, replyError } from './replies.js';
import { ExchangeSmtpServer } from './wire.js';

/** Who an SMTP session authenticated as. */
interface SmtpUser {
  mailbox: string;
  principal: TokenPrincipal;
}

/** Exchange advertises 150 MB in EHLO SIZE. */
const MAX_SIZE = 157_286_400;

/**
 * SMTP client submission as smtp.office365.com:587 does it: STARTTLS, then AUTH XOAUTH2 with an
 * Outlook token carrying SMTP.Send (or SMTP.SendAsApp with a mailbox permission); delivery into
 * the store and a copy in the sender's Sent Items.
 */
export async function startSmtpServer(ctx: ExchangeContext, opts: { host: string; port: number }): Promise<{ port: number; close(): Promise<void> }> {
  const rate = new SubmissionRate(ctx.now);
  const server: ExchangeSmtpServer = new ExchangeSmtpServer(
    {
      secure: false,
      key: ctx.tls.key,
      cert: ctx.tls.cert,
      name: SERVER_NAME,
      heloResponse: '%s Hello %s',
      size: MAX_SIZE,
      hideDSN: false,
      // Exchange advertises ENHANCEDSTATUSCODES (microsoft.md §3.4); BINARYMIME and CHUNKING need
      // BDAT, which smtp-server does not implement, so they are not advertised (see the README).
      hideENHANCEDSTATUSCODES: false,
      authMethods: ['LOGIN', 'XOAUTH2', 'PLAIN'],
      authRequiredMessage: REPLY.notAuthenticated,
      disableReverseLookup: true,
      logger: false,
      onAuth: (auth, session, cb) => void authenticate(ctx, auth, session).then((user) => cb(null, { user }), (e: Error) => cb(e)),
      onMailFrom: (address, session, cb) => void mailFrom(ctx, server, address.address, session).then(() => cb(), (e: Error) => cb(e)),
      onRcptTo: (address, _session, cb) => {
        const rcpt = address.address.toLowerCase();
        // Unknown addresses in the tenant's own domain bounce at RCPT; other domains are
        // accepted as Exchange relays them (the sandbox has no outside world: they are dropped).
        if (rcpt.endsWith(`@${ctx.domain.toLowerCase()}`) && !ctx.store.mailbox(rcpt)) return cb(replyError(550, REPLY.recipientNotFound));
        cb();
      },
      onData: (stream, session, cb) => void submit(ctx, rate, stream, session).then((msg) => cb(null, msg), (e: Error) => cb(e)),
    },
    ctx.now,
  );
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function authenticate(ctx: ExchangeContext, auth: SMTPServerAuthentication, _session: SMTPServerSession): Promise<SmtpUser> {
  if (auth.method !== 'XOAUTH2') throw replyError(535, REPLY.basicAuthDisabled);
  const mailbox = (auth.username ?? '').toLowerCase();
  const result = await ctx.tokens.validate(auth.accessToken ?? '', {
    audience: 'outlook', anyScope: ['SMTP.Send'], anyRole: ['SMTP.SendAsApp'], mailbox,
  });
  if (!result.ok || !ctx.store.mailbox(mailbox)) throw replyError(535, REPLY.tokenRefused);
  const principal = result.principal;
  // A delegated token opens its own mailbox, or one its user holds FullAccess on.
  if (!ctx.tokens.canAccess(principal, mailbox)) throw replyError(535, REPLY.tokenRefused);
  const state = smtpAuthState(ctx.settings, mailbox);
  if (state === 'disabled_mailbox') throw replyError(535, REPLY.smtpAuthDisabledMailbox);
  if (state === 'disabled_tenant') throw replyError(535, REPLY.smtpAuthDisabledTenant);
  return { mailbox, principal };
}

function userOf(session: SMTPServerSession): SmtpUser {
  return session.user as unknown as SmtpUser;
}

/** May the session's user put `address` in MAIL FROM / From: (its mailbox, or Send As)? */
function maySendAs(ctx: ExchangeContext, user: SmtpUser, address: string): boolean {
  const a = address.toLowerCase();
  if (a === user.mailbox) return true;
  const who = user.principal.upn ?? user.principal.appId;
  return canSendAs(ctx.settings, who, a);
}

async function mailFrom(ctx: ExchangeContext, server: ExchangeSmtpServer, address: string, session: SMTPServerSession): Promise<void> {
  const user = userOf(session);
  const fault = ctx.takeFault('smtp', user.mailbox);
  if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.value ?? 1000));
  if (fault?.kind === 'throttle') throw replyError(421, REPLY.throttled);
  if (fault?.kind === 'server_error') throw replyError(451, REPLY.serverError);
  if (fault?.kind === 'drop_connection') {
    server.connectionsById.get(session.id)?._socket.destroy();
    throw replyError(421, REPLY.throttled);
  }
  if (!maySendAs(ctx, user, address)) throw replyError(550, REPLY.sendAsEnvelope);
}

async function submit(ctx: ExchangeContext, rate: SubmissionRate, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // The stream is drained to the end (SMTP needs the final dot), but nothing past SIZE is kept.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_SIZE) chunks.push(chunk);
  }
  if (stream.sizeExceeded || size > MAX_SIZE) {
    throw replyError(552, `5.3.4 Message size exceeds fixed maximum message size`);
  }
  const raw = Buffer.concat(chunks);
  const user = userOf(session);
  const box = ctx.store.mailbox(user.mailbox);
  if (!box) throw replyError(535, REPLY.tokenRefused);
  const from = (await summarize(raw)).from?.address;
  if (from && !maySendAs(ctx, user, from)) throw replyError(554, REPLY.sendAsHeader);
  if (!rate.take(user.mailbox)) throw replyError(554, REPLY.quotaExceeded);
  const sent = await box.folder('sentitems')!.append(raw, { flags: ['\\Seen'] });
  const to = session.envelope.rcptTo.map((r) => r.address);
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : user.mailbox;
  await ctx.store.deliver(raw, { from: mailFrom, to });
  return `2.0.0 OK <${sent.id}@${SERVER_NAME}> [Hostname=${SERVER_NAME}]`;
}
