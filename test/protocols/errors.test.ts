import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../src/errors.js';
import { errorFromServerReply, toProtocolError, type ProtocolContext } from '../../src/protocols/errors.js';

/** Replies quoted from Exchange Online and Dovecot/Postfix (reference/microsoft.md §3, mail-rig.md). */
const smtp: ProtocolContext = { protocol: 'smtp', host: 'smtp.office365.com', port: 587, operation: 'connect', secure: 'starttls', user: 'alice@contoso.com' };
const imap: ProtocolContext = { protocol: 'imap', host: 'outlook.office365.com', port: 993, operation: 'connect', secure: 'tls' };
const pop3: ProtocolContext = { protocol: 'pop3', host: 'outlook.office365.com', port: 995, operation: 'connect', secure: 'tls' };

const cases: [ProtocolContext, string, string, RegExp][] = [
  [smtp, '535 5.7.3 Authentication unsuccessful [SN2PR00CA0018.namprd00.prod.outlook.com]', 'SMTP_AUTH_FAILED', /SMTP\.Send.*UPN/],
  [smtp, '535 5.7.8 Error: authentication failed: (reason unavailable)', 'SMTP_AUTH_FAILED', /audience|outlook\.office365\.com/],
  [smtp, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.', 'SMTP_AUTH_DISABLED', /Set-CASMailbox .*-SmtpClientAuthenticationDisabled \$false/],
  [smtp, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.', 'SMTP_AUTH_DISABLED', /Set-TransportConfig/],
  [smtp, '535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.', 'SMTP_AUTH_BLOCKED_BY_POLICY', /Conditional Access/],
  [smtp, '550 5.7.60 SMTP; Client does not have permissions to send as this sender', 'SMTP_SEND_AS_DENIED', /SendAs/],
  [smtp, '550 5.7.30 Basic authentication is not supported for Client Submission.', 'SMTP_BASIC_AUTH_DISABLED', /oauth2/],
  [smtp, '530 5.7.57 Client not authenticated to send mail.', 'SMTP_NOT_AUTHENTICATED', /authType/],
  [smtp, '421 4.7.66 Too many connections, try again later', 'THROTTLED', /30 messages a minute/],
  [smtp, '452 4.3.2 Service not available, closing transmission channel', 'THROTTLED', /retry later/],
  [smtp, '504 5.7.4 Unrecognized authentication type', 'SMTP_AUTH_UNAVAILABLE', /587 with STARTTLS/],
  [smtp, '454 4.7.0 Temporary authentication failure', 'AUTH_TEMPORARILY_UNAVAILABLE', /retry/],
  [imap, 'NO AUTHENTICATE failed.', 'IMAP_AUTH_FAILED', /IMAP\.AccessAsUser\.All/],
  [imap, 'NO [AUTHENTICATIONFAILED] Authentication failed.', 'IMAP_AUTH_FAILED', /UPN/],
  [imap, 'NO LOGIN failed.', 'IMAP_AUTH_FAILED', /IMAP/],
  [imap, 'NO [THROTTLED] Request is throttled', 'THROTTLED', /retry later/],
  [imap, 'NO [UNAVAILABLE] Temporary authentication failure. [vm:2026-11-25 18:22:30]', 'AUTH_TEMPORARILY_UNAVAILABLE', /retry/],
  [pop3, '-ERR Authentication failure: unknown user name or bad password.', 'POP3_AUTH_FAILED', /POP\.AccessAsUser\.All/],
  [pop3, '-ERR [AUTH] Authentication failed.', 'POP3_AUTH_FAILED', /PopEnabled/],
  [pop3, '-ERR [SYS/TEMP] Temporary authentication failure.', 'AUTH_TEMPORARILY_UNAVAILABLE', /retry/],
  [pop3, '-ERR [IN-USE] Mailbox is locked', 'POP3_MAILBOX_IN_USE', /other POP3 client/],
];

for (const [ctx, reply, code, hint] of cases) {
  test(`${ctx.protocol} "${reply.slice(0, 40)}…" → ${code}`, () => {
    const err = errorFromServerReply(ctx, reply);
    assert.ok(err instanceof ProtocolError);
    assert.equal(err.code, code);
    assert.match(err.hint, hint);
    assert.equal(err.details.serverResponse, reply);
    assert.equal(err.details.family, 100);
  });
}

test('an unknown reply keeps the server line and gets a generic code', () => {
  const err = errorFromServerReply({ ...smtp, operation: 'send' }, '552 5.3.4 Message size exceeds fixed limit');
  assert.equal(err.code, 'SMTP_COMMAND_FAILED');
  assert.equal(err.details.family, 102);
  assert.match(err.message, /552 5\.3\.4/);
});

test('the error family follows the operation', () => {
  const families = (['connect', 'disconnect', 'send', 'receive'] as const).map((operation) => errorFromServerReply({ ...pop3, operation }, '-ERR nope').details.family);
  assert.deepEqual(families, [100, 101, 102, 103]);
});

test('a JWT-looking run in a server line is cut, so details never carry a token', () => {
  const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
  const err = errorFromServerReply(smtp, `535 5.7.3 bad token ${jwt}`);
  assert.doesNotMatch(JSON.stringify(err.toJSON()), /eyJ0eXAi/);
});

test('socket and TLS errors by Node code', () => {
  const node = (code: string, message = code) => Object.assign(new Error(message), { code });
  const map = (e: unknown, ctx: ProtocolContext = smtp) => toProtocolError(ctx, e);
  assert.equal(map(node('ECONNREFUSED')).code, 'CONNECTION_REFUSED');
  assert.equal(map(node('ECONNRESET')).code, 'CONNECTION_DROPPED');
  assert.equal(map(node('ETIMEDOUT')).code, 'TIMEOUT');
  assert.equal(map(node('ENOTFOUND')).code, 'HOST_NOT_FOUND');
  const untrusted = map(node('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'));
  assert.equal(untrusted.code, 'TLS_UNTRUSTED');
  assert.match(untrusted.hint, /tls\.caFile/);
  assert.equal(map(node('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames")).code, 'TLS_HOSTNAME_MISMATCH');
  const wrong = map(node('ERR_SSL_WRONG_VERSION_NUMBER', 'ssl3_get_record:wrong version number'));
  assert.equal(wrong.code, 'TLS_WRONG_MODE');
  assert.match(wrong.hint, /port 587 with STARTTLS/);
  assert.match(map(node('ERR_SSL_WRONG_VERSION_NUMBER'), imap).hint, /port 143 with STARTTLS/);
});

test('library errors: a nodemailer EAUTH goes by its server response, a wrapped socket error by its cause', () => {
  const eauth = Object.assign(new Error('Invalid login: 535 5.7.3 Authentication unsuccessful'), { code: 'EAUTH', response: '535 5.7.3 Authentication unsuccessful', responseCode: 535, command: 'AUTH XOAUTH2' });
  assert.equal(toProtocolError(smtp, eauth).code, 'SMTP_AUTH_FAILED');
  const wrapped = new Error('Connection closed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
  assert.equal(toProtocolError(smtp, wrapped).code, 'CONNECTION_DROPPED');
  const imapflowLike = Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.' });
  assert.equal(toProtocolError(imap, imapflowLike).code, 'IMAP_AUTH_FAILED');
});

test('app-only logins get the app\'s fixes (FullAccess, service principal, *.AccessAsApp); hints name the resource (issue 19)', () => {
  const base = { host: 'outlook.office365.com', port: 993, operation: 'connect' as const, user: 'box@contoso.com', resource: 'inbox' };
  const app = { ...base, appOnly: { clientId: '11111111-2222-3333-4444-555555555555' } };
  const imap = errorFromServerReply({ ...app, protocol: 'imap' }, 'a1 NO AUTHENTICATE failed.');
  assert.equal(imap.code, 'IMAP_AUTH_FAILED');
  assert.match(imap.hint, /Add-MailboxPermission -Identity box@contoso\.com .*-AccessRights FullAccess/);
  assert.match(imap.hint, /New-ServicePrincipal -AppId 11111111-2222-3333-4444-555555555555/);
  assert.match(imap.hint, /IMAP\.AccessAsApp/);
  assert.doesNotMatch(imap.hint, /AccessAsUser|Set-CASMailbox/);
  const pop = errorFromServerReply({ ...app, port: 995, protocol: 'pop3' }, '-ERR Authentication failure: unknown user name or bad password.');
  assert.match(pop.hint, /POP\.AccessAsApp/);
  const delegated = errorFromServerReply({ ...base, port: 587, protocol: 'smtp' }, '535 5.7.3 Authentication unsuccessful');
  assert.match(delegated.hint, /`mailbridge doctor inbox`/);
  assert.doesNotMatch(delegated.hint, /RESOURCE/);
});
