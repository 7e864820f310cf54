import {
  isMessageGone,
  type ChangeFeed,
  type FeedItem,
  type FeedNotice,
  type FeedPosition,
  type FeedRound,
  type OpenFeedOptions,
  type PositionChange,
} from './change-feed.js';
import type { AfterAction } from '../message/after-action.js';
import { createPop3Mailbox } from './pop3-mailbox.js';

/**
 * A change feed over POP3 (RFC 1939): one folder, polled; new messages are the UIDLs the
 * trigger has not finished with (a UIDL is never reused for another message, §7). Each
 * operation is its own session, as the POP3 mailbox does it.
 */
export function openPop3Feed(o: OpenFeedOptions): ChangeFeed {
  const mailbox = createPop3Mailbox({
    resource: o.resource,
    tokens: o.tokens,
    ...(o.logger ? { logger: o.logger } : {}),
  });
  return {
    kind: 'pop3',
    folder: 'INBOX',
    async *changes(position: FeedPosition, opts: { start: 'new' | 'all' }): AsyncGenerator<FeedRound> {
      const listed = await mailbox.list();
      const notices: FeedNotice[] = [];
      let before: PositionChange | undefined;
      let known = position.uidls ?? new Set<string>();
      if (!position.started) {
        const skip = opts.start === 'new' ? listed.map((m) => m.id) : [];
        before = { kind: 'uidls', uidls: skip, first: true };
        known = new Set(skip);
        notices.push({
          kind: 'started',
          message:
            `watching the POP3 mailbox (${listed.length} message(s) there, ` +
            `${opts.start === 'new' ? 'not delivered' : 'to deliver'})`,
        });
      }
      const items = listed
        .filter((m) => !known.has(m.id))
        .map((m): FeedItem => ({
          id: m.id,
          key: m.id,
          source: { kind: 'pop3', uidl: m.id },
          size: m.size,
          maybeDelivered: false,
          advance: { kind: 'uidls', uidls: [m.id] },
        }));
      yield { ...(before ? { before } : {}), items, present: listed.map((m) => m.id), notices };
    },
    async raw(id) {
      try {
        const chunks: Buffer[] = [];
        for await (const c of await mailbox.raw(id)) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
        return Buffer.concat(chunks);
      } catch (e) {
        if (isMessageGone(e)) return undefined;
        throw e;
      }
    },
    afterAction: (ids: readonly string[], action: AfterAction) => mailbox.afterProcessing(ids, action),
    idOf: (source) => (source.kind === 'pop3' ? source.uidl : undefined),
    close: () => mailbox.close(),
  };
}
