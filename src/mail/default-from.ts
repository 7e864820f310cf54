import type { Resource } from '../config/resource.js';
import { ConfigError, type ErrorCode } from '../errors.js';
import type { MailDraft } from '../message/message.js';

const FROM_MISSING = { smtp: 'SMTP_FROM_MISSING', ews: 'EWS_FROM_MISSING', graph: 'GRAPH_FROM_MISSING', imap: 'SMTP_FROM_MISSING', pop3: 'SMTP_FROM_MISSING' } as const satisfies Record<Resource['kind'], ErrorCode>;

/**
 * An empty From means the resource's own address: its From field, else its user (the guide
 * fills From with the user's address). Every sending backend (SMTP, EWS, Graph) reads it the
 * same way, so `mailbridge send NAME` works without --from whatever the kind.
 */
export function withResourceFrom(draft: MailDraft, resource: Resource): MailDraft {
  if (draft.from !== '') return draft;
  const from = resource.from ?? resource.user;
  if (!from) {
    throw new ConfigError({
      code: FROM_MISSING[resource.kind],
      message: `resource ${resource.name} has no From address and none was given`,
      hint: `pass --from, or set the resource's from (or user) to the mailbox address: \`mailbridge resource edit ${resource.name} --user ADDRESS\``,
      field: 'from',
    });
  }
  return { ...draft, from };
}
