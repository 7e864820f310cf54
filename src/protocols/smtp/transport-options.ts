import type { SMTPPoolOptions, SMTPTransportOptions } from 'nodemailer';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../../auth/claims.js';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import type { Resource } from '../../config/resource.js';
import { ConfigError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import { mailProxyFor } from '../../net/proxy.js';
import { assertCredentialsMayTravel, tlsOptionsFor } from '../tls.js';

/**
 * nodemailer transport options for an smtp resource: the connection mode, TLS (verified by
 * default), the login, and for bulk sending the pool with the resource's rate limit.
 */

export interface SmtpCredentials {
  tokens?: AccessTokenProvider;
  password?: Secret;
  /** Called each time nodemailer asks for a token with renew=true (the server refused one). */
  onForcedRefresh?: () => void;
  /** Called with the token provider's own error (e.g. an AuthError), which nodemailer would flatten. */
  onProviderError?: (err: unknown) => void;
}

export interface SmtpPoolSettings {
  /** Parallel connections; Exchange Online allows 3 concurrent SMTP connections per mailbox for sending. */
  maxConnections?: number;
  /** Messages per connection before it is replaced. */
  maxMessages?: number;
}

export type SmtpTransportOptions = SMTPTransportOptions | (SMTPPoolOptions & { pool: true });

const RATE_WINDOW_MS = 60_000;

function proxyOption(resource: Resource): { proxy?: string } {
  const route = mailProxyFor(resource);
  return route ? { proxy: route.url.reveal() } : {};
}

export async function smtpTransportOptions(
  resource: Resource,
  creds: SmtpCredentials,
  pool?: SmtpPoolSettings,
): Promise<SmtpTransportOptions> {
  if (resource.kind !== 'smtp') {
    throw new ConfigError({ code: 'SMTP_WRONG_KIND', message: `${resource.name} is a ${resource.kind} resource, not smtp`, hint: 'send through a resource of kind smtp', field: 'kind' });
  }
  assertCredentialsMayTravel(resource);
  const { host, port, secure } = resource.server;
  const base: SMTPTransportOptions = {
    host,
    port,
    // secure: implicit TLS (465); requireTLS: STARTTLS or fail, never silently plaintext (587).
    secure: secure === 'tls',
    requireTLS: secure === 'starttls',
    ignoreTLS: secure === 'none',
    ...(secure === 'none' ? {} : { tls: await tlsOptionsFor(resource) }),
    // nodemailer's own CONNECT client; TLS to the server still starts inside the tunnel, verified.
    ...proxyOption(resource),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
    // Our own logger reports failures; nodemailer's would print envelopes (personal data).
    logger: false,
    disableFileAccess: false,
    disableUrlAccess: true,
  };
  const auth = await authOptions(resource, creds);
  const options: SMTPTransportOptions = auth ? { ...base, auth } : base;
  if (!pool) return options;
  const limit = resource.rateLimitPerMinute ?? 0;
  return {
    ...options,
    pool: true,
    maxConnections: pool.maxConnections ?? 3,
    maxMessages: pool.maxMessages ?? 100,
    // nodemailer counts messages per rateDelta window: N a minute is rateLimit N per 60 s.
    ...(limit > 0 ? { rateLimit: limit, rateDelta: RATE_WINDOW_MS } : {}),
  };
}

async function authOptions(resource: Resource, creds: SmtpCredentials): Promise<SMTPTransportOptions['auth']> {
  const user = resource.user ?? resource.from;
  if (resource.authType === 'none') return undefined;
  if (!user) {
    throw new ConfigError({ code: 'SMTP_USER_MISSING', message: `${resource.name} has no user name`, hint: 'set user to the mailbox UPN that signs in', field: 'user' });
  }
  if (resource.authType === 'basic') {
    if (!creds.password) {
      throw new ConfigError({ code: 'SMTP_PASSWORD_MISSING', message: `${resource.name} uses basic auth but no password was given`, hint: 'store the password for the resource', field: 'password' });
    }
    return { type: 'login', user, pass: creds.password.reveal() };
  }
  const tokens = creds.tokens;
  if (!tokens) {
    throw new ConfigError({ code: 'SMTP_TOKENS_MISSING', message: `${resource.name} uses OAuth 2.0 but no token provider was given`, hint: 'pass the token manager\'s provider(resource) as tokens', field: 'authType' });
  }
  return {
    type: 'OAuth2',
    user,
    // nodemailer asks here for every login, with renew=true after the server refused a token
    // (the XOAUTH2 error challenge). Expiry 1 (the epoch) keeps nodemailer from caching: the
    // token manager is the cache and knows the real expiry.
    provisionCallback: (_user: string, renew: boolean, cb: (err: Error | null, token?: string, expires?: number) => void) => {
      if (renew) creds.onForcedRefresh?.();
      tokens.getAccessToken(renew ? { forceRefresh: true } : undefined)
        .then((token) => {
          // A Graph token (or one without SMTP.Send) is named plainly instead of `535 5.7.3`.
          assertTokenFitsProtocol(decodeAccessTokenClaims(token), 'smtp', user);
          return token;
        })
        .then(
          (token) => cb(null, token.reveal(), 1),
          (err: unknown) => {
            creds.onProviderError?.(err);
            // nodemailer stamps its own code (EAUTH) onto the error it is given: hand it a
            // copy so the original typed error reaches onProviderError intact.
            cb(new Error(err instanceof Error ? err.message : String(err)));
          },
        );
    },
  };
}
