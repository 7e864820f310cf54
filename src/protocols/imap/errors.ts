import { z } from 'zod';
import type { Resource } from '../../config/resource.js';
import type { MailbridgeError } from '../../errors.js';
import { resourceContext, toProtocolError, type Operation } from '../errors.js';

const imapAuthErrorSchema = z.object({
  authenticationFailed: z.boolean().optional(),
  serverResponseCode: z.string().optional(),
});

/** imapflow marks a refused AUTHENTICATE; Dovecot adds [AUTHENTICATIONFAILED] (RFC 5530). */
export function isImapAuthFailure(e: unknown): boolean {
  const r = imapAuthErrorSchema.safeParse(e);
  return r.success && (r.data.authenticationFailed === true || r.data.serverResponseCode === 'AUTHENTICATIONFAILED');
}

/** Any IMAP failure as a typed error with the fix (the shared mapping in protocols/errors.ts). */
export function toImapProtocolError(e: unknown, resource: Resource, operation: Operation = 'receive'): MailbridgeError {
  return toProtocolError(
    {
      protocol: 'imap',
      host: resource.server.host,
      port: resource.server.port,
      operation,
      secure: resource.server.secure,
      ...(resource.user ? { user: resource.user } : {}),
      ...resourceContext(resource),
    },
    e,
  );
}
