import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Resource } from '../../config/resource.js';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../../auth/claims.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Secret } from '../../secret.js';
import { mailProxyFor } from '../../net/proxy.js';
import { assertCredentialsMayTravel, tlsOptionsFor } from '../tls.js';
import { isImapAuthFailure, toImapProtocolError } from './errors.js';

/** The SASL mechanisms imapflow can speak with an access token. */
export type ImapOAuthMechanism = 'XOAUTH2' | 'OAUTHBEARER';

export interface ImapConnectOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
  /**
   * Force one mechanism. imapflow picks OAUTHBEARER whenever the server offers it and ignores
   * `auth.loginMethod` for tokens, so forcing is done by hiding the other capability.
   * Exchange Online advertises XOAUTH2 only, so the default (auto) suits it.
   */
  mechanism?: ImapOAuthMechanism;
}

/**
 * Connects and authenticates (RFC 3501 + RFC 7628 / XOAUTH2). The token is checked for
 * audience and scope first so a Graph token fails with a plain message rather than the
 * server's `AUTHENTICATE failed`; a rejected token is refreshed once and tried again.
 */
export async function connectImap(opts: ImapConnectOptions): Promise<ImapFlow> {
  const base = await imapFlowOptions(opts.resource, opts.logger);
  const first = await fitToken(opts, await opts.tokens.getAccessToken());
  try {
    return await login(base, first, opts.mechanism);
  } catch (e) {
    if (!isImapAuthFailure(e)) throw toImapProtocolError(e, opts.resource, 'connect');
  }
  // Exchange answers the same `AUTHENTICATE failed` for an expired and a wrong token; only a
  // fresh token tells the two apart.
  const fresh = await fitToken(opts, await opts.tokens.getAccessToken({ forceRefresh: true }));
  try {
    return await login(base, fresh, opts.mechanism);
  } catch (e) {
    throw toImapProtocolError(e, opts.resource, 'connect');
  }
}

async function fitToken(opts: ImapConnectOptions, token: Secret): Promise<Secret> {
  // Opaque tokens (Google, consumer accounts) decode as jwt:false and pass: only the server can judge them.
  assertTokenFitsProtocol(decodeAccessTokenClaims(token), 'imap', opts.resource.user);
  return token;
}

async function login(base: ImapFlowOptions, token: Secret, mechanism?: ImapOAuthMechanism): Promise<ImapFlow> {
  const auth = { user: String(base.auth?.user), accessToken: token.reveal() };
  const client = mechanism ? new MechanismImapFlow({ ...base, auth }, mechanism) : new ImapFlow({ ...base, auth });
  // imapflow emits 'error' for socket failures after connect; unhandled it would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Maps the resource's server settings to imapflow's: 993 implicit TLS or 143 STARTTLS. */
export async function imapFlowOptions(resource: Resource, logger?: Logger): Promise<ImapFlowOptions> {
  const { host, port, secure } = resource.server;
  const user = resource.user ?? resource.from;
  if (!user) {
    throw new ConfigError({
      code: 'IMAP_USER_MISSING',
      message: `resource ${resource.name} has no mailbox user name`,
      hint: 'set the resource\'s user to the mailbox address (a shared mailbox\'s address for a shared mailbox)',
      field: 'user',
    });
  }
  assertCredentialsMayTravel(resource);
  // imapflow's own CONNECT client; TLS to the server still starts inside the tunnel, verified.
  const proxy = mailProxyFor(resource);
  return {
    host,
    port,
    ...(proxy ? { proxy: proxy.url.reveal() } : {}),
    secure: secure === 'tls',
    // STARTTLS is required, never optional: an attacker could strip the capability otherwise.
    doSTARTTLS: secure === 'starttls' ? true : secure === 'tls' ? undefined : false,
    tls: await tlsOptionsFor(resource),
    auth: { user },
    // imapflow logs every connection failure at error level with a stack; we report those as
    // typed errors with a hint, so its own log is only wanted when debugging the wire.
    logger: logger?.isLevelEnabled('debug') ? logger.child({ component: 'imap', resource: resource.name }) : false,
    disableAutoIdle: true,
    clientInfo: { name: 'mailbridge' },
  };
}

/**
 * imapflow chooses OAUTHBEARER over XOAUTH2 from the capability list at AUTHENTICATE time;
 * removing the unwanted one just before is the only hook it leaves.
 */
class MechanismImapFlow extends ImapFlow {
  readonly #mechanism: ImapOAuthMechanism;

  constructor(options: ImapFlowOptions, mechanism: ImapOAuthMechanism) {
    super(options);
    this.#mechanism = mechanism;
  }

  async authenticate(): Promise<unknown> {
    if (this.#mechanism === 'XOAUTH2') this.capabilities.delete('AUTH=OAUTHBEARER');
    else if (!this.capabilities.has('AUTH=OAUTHBEARER')) this.capabilities.delete('AUTH=XOAUTH2');
    return (ImapFlow.prototype as unknown as { authenticate(this: ImapFlow): Promise<unknown> }).authenticate.call(this);
  }
}
