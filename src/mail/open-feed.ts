import type { ChangeFeed, OpenFeedOptions } from './change-feed.js';
import { openImapFeed } from './imap-feed.js';
import { openPop3Feed } from './pop3-feed.js';
import { openSyncFeed } from './sync-feed.js';
import { unsupported } from './mailbox.js';

/** The change feed of a receiving resource, by its kind. */
export async function openChangeFeed(o: OpenFeedOptions): Promise<ChangeFeed> {
  switch (o.resource.kind) {
    case 'imap':
      return openImapFeed(o);
    case 'pop3':
      return openPop3Feed(o);
    case 'ews':
    case 'graph':
      return openSyncFeed(o);
    case 'smtp':
      throw unsupported('smtp', 'watch a folder', 'point the trigger at an imap, pop3, ews or graph resource');
  }
}
