import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import type { Resource } from '../../config/resource.js';
import { MailbridgeError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import { resourceContext, toProtocolError, type Operation, type ProtocolContext } from '../errors.js';
import { smtpTransportOptions, type SmtpPoolSettings, type SmtpTransportOptions } from './transport-options.js';

/**
 * Sending over SMTP submission (587 STARTTLS or 465 TLS) with nodemailer, logging in with
 * XOAUTH2 (or basic). When the server refuses the token, the sender asks the token provider
 * once for a freshly refreshed token and tries again; a second refusal is reported with the fix.
 */

/** A message as nodemailer takes it (src/message/compose.ts builds these from our message model). */
export type OutgoingMessage = SendMailOptions;

export interface SendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as …`. */
  response: string;
}

export interface SmtpSender {
  send(message: OutgoingMessage): Promise<SendResult>;
  /** Connects, secures and logs in (one refresh retry, as send does) without sending; says what it did. */
  verify(): Promise<string>;
  /** Closes pooled connections; a non-pooled sender holds none between messages. */
  close(): void;
  /** The nodemailer options in use (credentials replaced), for diagnostics and tests. */
  describe(): Promise<Record<string, unknown>>;
}

export interface SmtpSenderOptions {
  resource: Resource;
  tokens?: AccessTokenProvider;
  password?: Secret;
  logger?: Logger;
  /** Bulk sending: reuse connections and honour resource.rateLimitPerMinute. */
  pool?: boolean | SmtpPoolSettings;
}

const sentInfoSchema = z.object({
  messageId: z.string(),
  accepted: z.array(z.union([z.string(), z.object({ address: z.string() })])).default([]),
  rejected: z.array(z.union([z.string(), z.object({ address: z.string() })])).default([]),
  response: z.string().default(''),
});

const nodemailerErrorSchema = z.object({
  code: z.string().optional(),
  command: z.string().optional(),
  response: z.string().optional(),
});

export function createSmtpSender(opts: SmtpSenderOptions): SmtpSender {
  const { resource, logger } = opts;
  const ctx = (operation: Operation): ProtocolContext => ({
    protocol: 'smtp',
    host: resource.server.host,
    port: resource.server.port,
    secure: resource.server.secure,
    operation,
    ...(resource.user ? { user: resource.user } : {}),
    ...resourceContext(resource),
  });
  let forcedRefreshes = 0;
  let providerError: unknown;
  const pool = opts.pool === true ? {} : opts.pool || undefined;
  // Built on first use: reading a CA file is async and the API stays a plain factory.
  let built: Promise<{ options: SmtpTransportOptions; transporter: Transporter }> | undefined;
  const transport = () =>
    (built ??= smtpTransportOptions(
      resource,
      {
        ...(opts.tokens ? { tokens: opts.tokens } : {}),
        ...(opts.password ? { password: opts.password } : {}),
        onForcedRefresh: () => forcedRefreshes++,
        onProviderError: (err) => (providerError = err),
      },
      pool,
    ).then((options) => ({ options, transporter: nodemailer.createTransport(options) })));

  async function attempt(message: OutgoingMessage): Promise<SendResult> {
    const { transporter } = await transport();
    const info = sentInfoSchema.parse(await transporter.sendMail(message));
    const address = (a: string | { address: string }) => (typeof a === 'string' ? a : a.address);
    return { messageId: info.messageId, accepted: info.accepted.map(address), rejected: info.rejected.map(address), response: info.response };
  }

  function mapError(err: unknown): MailbridgeError {
    if (providerError !== undefined) {
      const own = providerError;
      providerError = undefined;
      if (own instanceof MailbridgeError) return own;
    }
    const e = nodemailerErrorSchema.safeParse(err);
    const command = e.success ? (e.data.command ?? '') : '';
    // Login and TLS belong to connecting (family 100); MAIL/RCPT/DATA to sending (102).
    const sending = /^(MAIL|RCPT|DATA|BDAT)/i.test(command) || (e.success && ['EENVELOPE', 'EMESSAGE', 'EMAXLIMIT'].includes(e.data.code ?? ''));
    return toProtocolError(ctx(sending ? 'send' : 'connect'), err);
  }

  /** Runs one login-bearing step; a plain 535 gets one retry with a freshly refreshed token. */
  async function withRefreshRetry<T>(step: () => Promise<T>): Promise<T> {
    const before = forcedRefreshes;
    try {
      return await step();
    } catch (err) {
      const mapped = mapError(err);
      const tokens = resource.authType === 'oauth2' ? opts.tokens : undefined;
      // nodemailer already retried with a renewed token when the server sent an error
      // challenge (334) first; only a plain 535 (Exchange's way) is left for us to retry.
      if (mapped.code !== 'SMTP_AUTH_FAILED' || !tokens || forcedRefreshes !== before) throw mapped;
      logger?.info({ resource: resource.name, reply: mapped.details.serverResponse }, 'smtp: token refused, retrying once with a refreshed token');
      forcedRefreshes++;
      try {
        await tokens.getAccessToken({ forceRefresh: true });
        return await step();
      } catch (retryErr) {
        throw mapError(retryErr);
      }
    }
  }

  return {
    send: (message) => withRefreshRetry(() => attempt(message)),
    verify: () => withRefreshRetry(async () => {
      const { transporter } = await transport();
      // nodemailer's verify: connect, EHLO, STARTTLS when configured, AUTH, QUIT; nothing is sent.
      await transporter.verify();
      const login = resource.authType === 'none' ? 'no login' : `logged in as ${resource.user ?? resource.from ?? '?'}`;
      return `${login} at ${resource.server.host}:${resource.server.port} (${resource.server.secure}); nothing sent`;
    }),
    close() {
      void built?.then(({ transporter }) => transporter.close(), () => undefined);
    },
    async describe() {
      const { options } = await transport();
      const { auth, tls, ...rest } = options;
      return { ...rest, ...(tls ? { tls: { ...tls, ca: tls.ca ? '(custom CA)' : undefined } } : {}), ...(auth ? { auth: { type: 'type' in auth ? auth.type : 'login', user: auth.user } } : {}) };
    },
  };
}
