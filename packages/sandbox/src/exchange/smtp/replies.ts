/**
 * Exchange Online's SMTP submission replies, as captured (microsoft.md §3.4–3.5). Each starts
 * with its own enhanced status code, which is why the wire layer never adds one to them.
 */
export const SERVER_NAME = 'SANDBOX01.outlook.office365.com';

export const REPLY = {
  authOk: '2.7.0 Authentication successful',
  tokenRefused: `5.7.3 Authentication unsuccessful [${SERVER_NAME}]`,
  smtpAuthDisabledTenant:
    '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
  smtpAuthDisabledMailbox:
    '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.',
  /** Live Exchange's answer to AUTH LOGIN / PLAIN once basic auth is off for the tenant. */
  basicAuthDisabled: '5.7.139 Authentication unsuccessful, basic authentication is disabled.',
  authBeforeTls: '5.7.4 Unrecognized authentication type',
  notAuthenticated: '5.7.57 Client not authenticated to send mail',
  sendAsEnvelope: '5.7.60 SMTP; Client does not have permissions to send as this sender',
  sendAsHeader:
    '5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message Cannot submit message.',
  quotaExceeded:
    '5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Message submission quota exceeded: 30 messages per minute.[EndDiagnosticData]',
  recipientNotFound: '5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
  throttled: '4.3.2 Service not available, closing transmission channel',
  serverError: '4.7.0 Temporary server error. Please try again later. PRX4',
  tlsReady: '2.0.0 SMTP server ready',
  senderOk: '2.1.0 Sender OK',
  recipientOk: '2.1.5 Recipient OK',
  startMailInput: 'Start mail input; end with <CRLF>.<CRLF>',
  closing: '2.0.0 Service closing transmission channel',
} as const;

/** An error smtp-server turns into a reply with this code and text. */
export function replyError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}
