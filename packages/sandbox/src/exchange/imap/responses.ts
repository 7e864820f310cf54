/**
 * Exchange Online's IMAP texts (microsoft.md §3.4 and live captures): the greeting with the
 * front-end server's FQDN as base64 of UTF-16LE, the capability lists, and the reply texts.
 */

/** The sandbox's stand-in for a front-end server name. */
const SERVER_FQDN = 'SANDBOX01.contoso.prod.outlook.com';

export const GREETING = `The Microsoft Exchange IMAP4 service is ready. [${Buffer.from(SERVER_FQDN, 'utf16le').toString('base64')}]`;

/** After TLS (port 993, or 143 after STARTTLS): microsoft.md §3.4's exact list. */
export const CAPABILITIES = 'IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+';

/** Port 143 before STARTTLS: no AUTH= mechanisms and LOGINDISABLED (RFC 3501 §6.2.3). */
export const CAPABILITIES_PLAIN = 'IMAP4 IMAP4rev1 LOGINDISABLED STARTTLS UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+';

export const TEXT = {
  commandError: 'Command Error. 10',
  argumentError: 'Command Argument Error. 11',
  invalidState: 'Command received in Invalid state.',
  authFailed: 'AUTHENTICATE failed.',
  loginFailed: 'LOGIN failed.',
  noSuchFolder: 'The specified folder could not be found in the store.',
  continueLiteral: 'Ready for additional command text.',
} as const;

/** `NAME completed.`, Exchange's success text for every command. */
export const completed = (name: string): string => `${name} completed.`;
