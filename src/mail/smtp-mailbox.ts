import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { createSmtpSender } from '../protocols/smtp/index.js';
import { composeMessage } from './compose.js';
import { unsupported, type Mailbox } from './mailbox.js';

export interface SmtpMailboxOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
}

const USE_RECEIVE = 'use an imap (or pop3) resource to read mail';

/** A send-only Mailbox over SMTP submission; every receive operation names the fix. */
export function createSmtpMailbox(opts: SmtpMailboxOptions): Mailbox {
  const sender = createSmtpSender({ resource: opts.resource, tokens: opts.tokens, ...(opts.logger ? { logger: opts.logger } : {}) });
  const no = (operation: string) => () => Promise.reject(unsupported('smtp', operation, USE_RECEIVE));
  return {
    resource: opts.resource.name,
    kind: 'smtp',
    verify: () => sender.verify(),
    folders: no('list folders'),
    list: no('list messages'),
    get: no('read messages'),
    raw: no('read messages'),
    saveAttachments: no('read attachments'),
    markRead: no('mark messages'),
    flag: no('flag messages'),
    move: no('move messages'),
    copy: no('copy messages'),
    delete: no('delete messages'),
    afterProcessing: no('process received messages'),
    async send(draft) {
      // An empty From means the resource's own address (the guide's From field, else the user).
      const from = draft.from === '' ? (opts.resource.from ?? opts.resource.user) : draft.from;
      if (!from) {
        throw new ConfigError({
          code: 'SMTP_FROM_MISSING',
          message: `resource ${opts.resource.name} has no From address and none was given`,
          hint: 'pass --from, or set the resource\'s from (or user) to the mailbox address',
          field: 'from',
        });
      }
      const r = await sender.send(composeMessage({ ...draft, from }));
      return { messageId: r.messageId, accepted: r.accepted, rejected: r.rejected };
    },
    async close() {
      sender.close();
    },
  };
}
