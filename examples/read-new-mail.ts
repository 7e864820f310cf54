/**
 * Read the unread messages of a receiving resource (IMAP, POP3, EWS or Graph) and mark them read.
 *
 * Run: MAILBRIDGE_HOME=~/.mailbridge RESOURCE=work-imap node --import tsx examples/read-new-mail.ts
 */
import { openMailbox, openStore, TokenManager } from 'mailbridge';

const home = process.env['MAILBRIDGE_HOME'];
const resource = process.env['RESOURCE'];
if (!home || !resource) throw new Error('set MAILBRIDGE_HOME and RESOURCE');

const store = await openStore({ home, env: process.env });
const mailbox = await openMailbox({ resource, store, tokens: new TokenManager({ store }) });
try {
  const unread = await mailbox.list({ filter: { unseen: true }, limit: 20 });
  for (const summary of unread) {
    const message = await mailbox.get(summary.id);
    console.log(`${message.from?.address ?? '?'}: ${message.subject} (${message.text?.trim().length ?? 0} characters)`);
  }
  if (unread.length > 0) await mailbox.markRead(unread.map((m) => m.id), true);
  console.log(`${unread.length} new message(s)`);
} finally {
  await mailbox.close();
  await store.close();
}
