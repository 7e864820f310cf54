/**
 * Send a message through a resource you added with `mailbridge resource add` and signed in with `mailbridge auth`.
 *
 * Run: MAILBRIDGE_HOME=~/.mailbridge RESOURCE=work-smtp FROM=me@contoso.com TO=you@contoso.com \
 *        node --import tsx examples/send.ts
 */
import { isMailbridgeError, openMailbox, openStore, TokenManager, type MailDraft } from 'mailbridge';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};

const store = await openStore({ home: env('MAILBRIDGE_HOME'), env: process.env });
const tokens = new TokenManager({ store });
const mailbox = await openMailbox({ resource: env('RESOURCE'), store, tokens });
const draft: MailDraft = {
  from: env('FROM'),
  to: [env('TO')],
  subject: 'Quarterly report',
  text: 'The report is attached.',
  attachments: [{ filename: 'report.csv', content: Buffer.from('quarter,total\nQ1,42\n') }],
};
try {
  const sent = await mailbox.send(draft);
  console.log(`sent ${sent.messageId ?? '(no Message-ID reported)'}`);
} catch (e) {
  // Every failure names its cause and fix; `e.code` is one of docs/errors.md.
  if (isMailbridgeError(e)) console.error(e.oneLine());
  process.exitCode = 1;
} finally {
  await mailbox.close();
  await store.close();
}
