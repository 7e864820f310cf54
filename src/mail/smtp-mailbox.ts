import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { refreshStatusEffect } from '../auth/errors-catalogue.js';
import { TokenEndpointError } from '../auth/token-endpoint.js';
import { graphSendScope, scopeHasGraphSend } from '../config/graph-fallback.js';
import { AuthError, ProtocolError } from '../errors.js';
import { withResourceFrom } from './default-from.js';
import type { Logger } from '../log.js';
import { withSendAsParties } from '../protocols/errors.js';
import { createSmtpSender } from '../protocols/smtp/index.js';
import { tlsOptionsFor } from '../protocols/tls.js';
import { composeMessage } from '../message/compose.js';
import { sendViaGraph } from './graph-send-fallback.js';
import { unsupported, type Mailbox } from './mailbox.js';
import type { SendResult } from '../message/message.js';
import type { MailDraft } from '../message/message.js';

export interface SmtpMailboxOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  /** Graph tokens (Mail.Send) from the same grant, for the resource's graphFallback. */
  graphTokens?: AccessTokenProvider;
  logger?: Logger;
}

/** Which path carried the message: SMTP submission, or Graph sendMail after SMTP AUTH was refused. */
export interface SmtpSendResult extends SendResult {
  via: 'smtp' | 'graph';
}

export interface SmtpMailbox extends Mailbox {
  readonly kind: 'smtp';
  send(draft: MailDraft): Promise<SmtpSendResult>;
}

const USE_RECEIVE = 'use an imap (or pop3) resource to read mail';
/** Exchange's 535 5.7.139 answers: SMTP AUTH off for the mailbox or tenant, or refused by policy. */
const SMTP_AUTH_REFUSED = new Set(['SMTP_AUTH_DISABLED', 'SMTP_AUTH_BLOCKED_BY_POLICY']);

/** A send-only Mailbox over SMTP submission; every receive operation names the fix. */
export function createSmtpMailbox(opts: SmtpMailboxOptions): SmtpMailbox {
  const { resource } = opts;
  const sender = createSmtpSender({ resource, tokens: opts.tokens, ...(opts.logger ? { logger: opts.logger } : {}) });
  const no = (operation: string) => () => Promise.reject(unsupported('smtp', operation, USE_RECEIVE));

  async function viaGraph(draft: MailDraft, refused: ProtocolError): Promise<SmtpSendResult> {
    const fallback = resource.graphFallback;
    if (!fallback || !opts.graphTokens) {
      // The tenant's choice stands; say that Graph is the other way to send.
      throw new ProtocolError({
        code: refused.code, message: refused.message, details: refused.details, cause: refused, ...(refused.field ? { field: refused.field } : {}),
        hint: `${refused.hint}; or send through Microsoft Graph instead: \`mailbridge resource edit ${resource.name} --graph-fallback\` ` +
          `(adds ${graphSendScope(resource.cloud)} to the scope), then \`mailbridge auth ${resource.name}\``,
      });
    }
    opts.logger?.info({ resource: resource.name, code: refused.code }, 'SMTP AUTH refused; sending through Microsoft Graph');
    const url = new URL(fallback.baseUrl);
    const tls = url.protocol === 'https:' ? await tlsOptionsFor({ ...resource, server: { ...resource.server, host: url.hostname } }) : undefined;
    try {
      const r = await sendViaGraph(draft, {
        baseUrl: fallback.baseUrl, tokens: opts.graphTokens, ...(resource.user ? { user: resource.user } : {}), ...(tls ? { tls } : {}),
        ...(resource.proxy ? { proxy: resource.proxy } : {}),
      });
      return { ...r, via: 'graph' };
    } catch (e) {
      const diagnosed: Error | undefined = graphConsentMissing(resource, e) ?? graphUnreachable(resource, fallback.baseUrl, e);
      throw diagnosed ?? e;
    }
  }

  return {
    resource: resource.name,
    kind: 'smtp',
    verify: () => sender.verify(),
    folders: no('list folders'),
    list: no('list messages'),
    get: no('read messages'),
    raw: no('read messages'),
    saveAttachments: no('read attachments'),
    markRead: no('mark messages'),
    flag: no('flag messages'),
    move: no('move messages'),
    copy: no('copy messages'),
    delete: no('delete messages'),
    afterProcessing: no('process received messages'),
    async send(draft) {
      const { from } = withResourceFrom(draft, resource);
      try {
        const r = await sender.send(composeMessage({ ...draft, from }));
        return { messageId: r.messageId, accepted: r.accepted, rejected: r.rejected, via: 'smtp' };
      } catch (e) {
        if (e instanceof ProtocolError && SMTP_AUTH_REFUSED.has(e.code)) {
          return await viaGraph({ ...draft, from }, e).catch((g: unknown) => { throw withSendAsParties(g, from, resource.user); });
        }
        throw withSendAsParties(e, from, resource.user);
      }
    },
    async close() {
      sender.close();
    },
  };
}

/**
 * Graph refused the fallback's token for want of consent (AADSTS65001…): re-consenting the
 * same scope cannot help while the scope lacks Graph's Mail.Send, so say which step is missing.
 */
function graphConsentMissing(resource: Resource, e: unknown): AuthError | undefined {
  if (!(e instanceof TokenEndpointError) || refreshStatusEffect(e.oauthError, e.aadsts) !== 'ConsentRequired') return undefined;
  const o = resource.oauth;
  const scope = graphSendScope(resource.cloud);
  const hint = o?.flow === 'client_credentials'
    ? 'add the application permission Microsoft Graph > Mail.Send to the app registration and grant admin consent'
    : o && !scopeHasGraphSend(o.scope, resource.cloud)
      ? `run \`mailbridge resource edit ${resource.name} --graph-fallback\` (adds ${scope} to the scope), then \`mailbridge auth ${resource.name}\``
      : `add the delegated permission Microsoft Graph > Mail.Send to the app registration if it is missing, then run ` +
        `\`mailbridge auth ${resource.name}\` and accept it (or have an administrator grant consent)`;
  return new AuthError({
    code: e.code, cause: e, details: e.details, hint,
    message: `the Graph fallback of ${resource.name} has no consent for ${scope}: ${e.message}`,
  });
}

const UNREACHABLE = new Set(['HOST_NOT_FOUND', 'CONNECTION_REFUSED', 'TLS_UNTRUSTED', 'TLS_HOSTNAME_MISMATCH']);

/** The fallback's Graph cannot be reached: the URL at fault is graphFallback's, not server.host. */
function graphUnreachable(resource: Resource, baseUrl: string, e: unknown): ProtocolError | undefined {
  if (!(e instanceof ProtocolError) || !UNREACHABLE.has(e.code)) return undefined;
  return new ProtocolError({
    code: e.code, message: `${e.message} (the Graph fallback's URL)`, details: e.details, cause: e, field: 'graphFallback.baseUrl',
    hint: `the fallback sends to ${baseUrl}: \`mailbridge resource edit ${resource.name} --graph-fallback\` sets the Graph of the ` +
      'resource\'s cloud (or give its URL after the option)',
  });
}
