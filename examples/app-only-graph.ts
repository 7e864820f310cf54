/**
 * App-only access over Microsoft Graph (client credentials, no signed-in user): the app reads a mailbox it was given
 * rights to (Mail.ReadWrite application permission with admin consent, scoped by an application access policy).
 * The resource names the mailbox in `user`; no `mailbridge auth` is needed, only the client secret or certificate.
 *
 * Run: MAILBRIDGE_HOME=~/.mailbridge RESOURCE=graph-app node --import tsx examples/app-only-graph.ts
 */
import { openMailbox, openStore, TokenManager } from 'mailbridge';

const home = process.env['MAILBRIDGE_HOME'];
const resource = process.env['RESOURCE'];
if (!home || !resource) throw new Error('set MAILBRIDGE_HOME and RESOURCE');

const store = await openStore({ home, env: process.env });
const tokens = new TokenManager({ store });
try {
  // The token carries the app's roles, not a user's scopes.
  const token = await tokens.getAccessToken(resource);
  console.log(`app-only token for ${token.audience}, expires ${new Date(token.expiresAt).toISOString()}`);
  const mailbox = await openMailbox({ resource, store, tokens });
  try {
    const folders = await mailbox.folders();
    console.log(`folders: ${folders.map((f) => f.path).join(', ')}`);
  } finally {
    await mailbox.close();
  }
} finally {
  await store.close();
}
