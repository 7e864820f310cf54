import type { TokenManager } from '../auth/token-manager.js';
import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
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

export async function probeResource(
  o: { store: Store; tokens: TokenManager; logger?: Logger }, name: string, opts: { to?: string } = {},
): Promise<ProbeResult> {
  const resource = await mustGetResource(o.store, name);
  const action = resource.kind === 'smtp' ? 'send' : 'receive';
  try {
    const mailbox = await openMailbox({ resource, store: o.store, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) });
    try {
      if (action === 'send') {
        const to = opts.to ?? resource.from ?? resource.user ?? '';
        const sent = await mailbox.send({ from: '', to: [to], subject: 'mailbridge test message',
          text: `This is a test message sent by the mailbridge console through resource ${name}.` });
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
