import { openMailbox } from '../../mail/open.js';
import type { Mailbox } from '../../mail/mailbox.js';
import type { CliContext } from '../context.js';

/** Opens the resource's mailbox for one command and always closes it, even on failure. */
export async function withMailbox<T>(ctx: CliContext, resource: string, work: (m: Mailbox) => Promise<T>): Promise<T> {
  const store = await ctx.store();
  const tokens = await ctx.tokens();
  const mailbox = await openMailbox({ resource, store, tokens, logger: ctx.logger });
  try {
    return await work(mailbox);
  } finally {
    await mailbox.close().catch(() => undefined);
  }
}
