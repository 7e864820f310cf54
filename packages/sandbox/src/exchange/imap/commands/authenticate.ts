import { TEXT } from '../responses.js';
import type { ImapSession } from '../session.js';
import { astring, atomUpper } from '../wire/parser.js';
import { NOT_AUTHENTICATED, type CommandHandler, type CommandResult } from './types.js';

const FAILED: CommandResult = { status: 'NO', text: TEXT.authFailed };

/**
 * AUTHENTICATE XOAUTH2 (microsoft.md §3.3) with the initial response on the command line
 * (SASL-IR) or after a `+ ` continuation; PLAIN is advertised but refused, as basic
 * authentication is at Exchange Online. Every refusal is the same `NO AUTHENTICATE failed.`
 */
export const authenticate: CommandHandler = {
  states: NOT_AUTHENTICATED,
  async run(s, cmd) {
    const mechanism = atomUpper(cmd.args[0]);
    if (mechanism !== 'XOAUTH2' && mechanism !== 'PLAIN') return FAILED;
    let response = astring(cmd.args[1]);
    if (response === undefined) {
      await s.send('+ \r\n');
      const line = await s.readLine();
      if (line === null) return FAILED;
      response = line.toString('latin1').trim();
    }
    // "*" cancels the exchange (RFC 3501 §6.2.2).
    if (response === '*') return { status: 'BAD', text: TEXT.authFailed };
    if (!s.secure || mechanism === 'PLAIN') return FAILED;
    const parsed = parseXoauth2(response);
    if (!parsed) return FAILED;
    return (await signIn(s, parsed.user, parsed.token)) ? { status: 'OK', text: 'AUTHENTICATE completed.' } : FAILED;
  },
};

/** base64("user=" + user + "^Aauth=Bearer " + token + "^A^A") → its two fields. */
export function parseXoauth2(base64: string): { user: string; token: string } | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(base64)) return undefined;
  const text = Buffer.from(base64, 'base64').toString('utf8');
  const fields = text.split('\x01');
  const user = fields.find((f) => f.startsWith('user='))?.slice(5);
  const auth = fields.find((f) => f.toLowerCase().startsWith('auth='))?.slice(5);
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  if (!user || !m?.[1]) return undefined;
  return { user: user.trim().toLowerCase(), token: m[1] };
}

/**
 * The token must be for Outlook with IMAP.AccessAsUser.All (delegated) or IMAP.AccessAsApp /
 * full_access_as_app (app-only), and its principal must be allowed into `user`: its own
 * mailbox, a shared one it has FullAccess to, or (app-only) a mailbox the app was granted.
 */
async function signIn(s: ImapSession, user: string, token: string): Promise<boolean> {
  const mailbox = s.ctx.store.mailbox(user);
  if (!mailbox) return false;
  const check = await s.ctx.tokens.validate(token, {
    audience: 'outlook',
    anyScope: ['IMAP.AccessAsUser.All'],
    anyRole: ['IMAP.AccessAsApp', 'full_access_as_app'],
    mailbox: user,
  });
  if (!check.ok || !s.ctx.tokens.canAccess(check.principal, user)) return false;
  s.user = mailbox.address;
  s.mailbox = mailbox;
  s.state = 'auth';
  return true;
}
