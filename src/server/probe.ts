import type { TokenManager } from '../auth/token-manager.js';
import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { unsupported } from '../mail/mailbox.js';
import type { DraftEncoding } from '../message/message.js';
import { openMailbox } from '../mail/open.js';
import type { Store } from '../store/store.js';
import { mustGetResource } from '../services/resources.js';

/**
 * The console's "test send" / "test receive": one real round with the mail server. A failure
 * comes back with the typed error and the server's own words (details.serverResponse), so a
 * person sees exactly what the server said, not just "it failed".
 */
export interface ProbeResult {
  ok: boolean;
  action: 'send' | 'receive';
  detail: string;
  messageId?: string;
  error?: Record<string, unknown> & { code: string; message: string; hint: string; serverResponse?: string };
}

/** What a test send carries; every field has a default (an English note to the resource's own address). */
export interface ProbeOptions {
  /** Send (smtp, ews, graph) or receive (imap, pop3, ews, graph); default: send for smtp, receive otherwise. */
  action?: 'send' | 'receive';
  to?: string;
  subject?: string;
  text?: string;
  encoding?: DraftEncoding;
}

/** The kinds that can send mail, and so run a test send: SMTP, and EWS and Graph through their own send path. */
export function canSend(kind: string): boolean {
  return kind === 'smtp' || kind === 'ews' || kind === 'graph';
}

/** The kinds that can list a mailbox, and so run a test receive. */
export function canReceive(kind: string): boolean {
  return kind !== 'smtp';
}

export async function probeResource(
  o: { store: Store; tokens: TokenManager; logger?: Logger }, name: string, opts: ProbeOptions = {},
): Promise<ProbeResult> {
  const resource = await mustGetResource(o.store, name);
  const action = opts.action ?? (resource.kind === 'smtp' ? 'send' : 'receive');
  if (action === 'send' ? !canSend(resource.kind) : !canReceive(resource.kind)) {
    const e = unsupported(resource.kind, `${action} mail`,
      action === 'send' ? 'test sending with an smtp, ews or graph resource' : 'test receiving with an imap, pop3, ews or graph resource');
    return { ok: false, action, detail: e.message, error: e.toJSON() as ProbeResult['error'] & object };
  }
  try {
    const mailbox = await openMailbox({ resource, store: o.store, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) });
    try {
      if (action === 'send') {
        const to = opts.to ?? resource.from ?? resource.user ?? '';
        const sent = await mailbox.send({ from: '', to: [to], subject: opts.subject ?? 'mailbridge test message',
          text: opts.text ?? `This is a test message sent by the mailbridge console through resource ${name}.`,
          ...(opts.encoding ? { encoding: opts.encoding } : {}) });
        return { ok: true, action, messageId: sent.messageId,
          detail: `sent ${sent.messageId} to ${sent.accepted.join(', ') || to}${sent.rejected.length ? `; rejected: ${sent.rejected.join(', ')}` : ''}` };
      }
      const verified = await mailbox.verify();
      const latest = await mailbox.list({ limit: 5 });
      return { ok: true, action, detail: `${verified}; ${latest.length} recent message(s) listed` };
    } finally {
      await mailbox.close().catch(() => undefined);
    }
  } catch (e) {
    if (!isMailbridgeError(e)) throw e;
    return { ok: false, action, detail: e.message, error: e.toJSON() as ProbeResult['error'] & object };
  }
}
