import type { ConnectionOptions } from 'node:tls';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../auth/claims.js';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import { createGraphHttp } from '../protocols/graph/http.js';
import { sendMessage } from '../protocols/graph/send-mail.js';
import { mailboxPrefix } from '../protocols/graph/target.js';
import type { SendResult } from '../message/message.js';
import type { MailDraft } from '../message/message.js';

/**
 * Graph as the sending path when a tenant has SMTP AUTH disabled (535 5.7.139): the SMTP
 * backend can hand the same draft to Graph `sendMail`. The token must be a Graph token
 * (https://graph.microsoft.com, Mail.Send): an Outlook token for SMTP does not serve Graph.
 */
export interface GraphSendOptions {
  /** https://graph.microsoft.com, or the sandbox's URL. */
  baseUrl: string;
  /** Tokens for Graph with Mail.Send (delegated) or the Mail.Send application permission. */
  tokens: AccessTokenProvider;
  /** The sending mailbox; required with an app-only token. */
  user?: string;
  /** CA, verification and SNI (tlsOptionsFor); default: system roots, verified. */
  tls?: ConnectionOptions;
  /** The resource's proxy setting (absent: HTTPS_PROXY / NO_PROXY decide). */
  proxy?: string;
}

export async function sendViaGraph(draft: MailDraft, opts: GraphSendOptions): Promise<SendResult> {
  const claims = decodeAccessTokenClaims(await opts.tokens.getAccessToken());
  assertTokenFitsProtocol(claims, 'graph', opts.user);
  const appOnly = claims.jwt && claims.scp.length === 0 && claims.roles.length > 0;
  const http = createGraphHttp({
    baseUrl: opts.baseUrl, tokens: opts.tokens, mailbox: opts.user ?? claims.user ?? 'me', ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
  });
  try {
    const prefix = mailboxPrefix({ appOnly, ...(opts.user ? { user: opts.user } : {}), ...(claims.user ? { tokenUser: claims.user } : {}) });
    return await sendMessage(http, prefix, draft);
  } finally {
    http.close();
  }
}
