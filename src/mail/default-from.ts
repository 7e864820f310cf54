import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { MailDraft } from './message.js';

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
      code: `${resource.kind.toUpperCase()}_FROM_MISSING`,
      message: `resource ${resource.name} has no From address and none was given`,
      hint: `pass --from, or set the resource's from (or user) to the mailbox address: \`mailbridge resource edit ${resource.name} --user ADDRESS\``,
      field: 'from',
    });
  }
  return { ...draft, from };
}
