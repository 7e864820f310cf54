import type { Mailbox } from '../../mail/mailbox.js';
import type { CliContext } from '../context.js';

/**
 * Opens the resource's mailbox for one command and always closes it, even on failure. The mail
 * stack (every backend and its protocol library) loads here, when a mail command runs, not at CLI start.
 */
export async function withMailbox<T>(ctx: CliContext, resource: string, work: (m: Mailbox) => Promise<T>): Promise<T> {
  const store = await ctx.store();
  const tokens = await ctx.tokens();
  const { openMailbox } = await import('../../mail/open.js');
  const mailbox = await openMailbox({ resource, store, tokens, logger: ctx.logger });
  try {
    return await work(mailbox);
  } finally {
    await mailbox.close().catch(() => undefined);
  }
}
