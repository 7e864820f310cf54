/**
 * `list` over IMAP fetches what a bare imapflow listing fetches (UID, FLAGS, RFC822.SIZE,
 * ENVELOPE, BODYSTRUCTURE, plus INTERNALDATE) and re-reads the raw header lines only for rows
 * whose envelope text imapflow had to decode. These rows, through Dovecot, must come out as
 * `get` shows the same message: has-attachments from BODYSTRUCTURE (inline parts are not
 * attachments), Japanese subjects and names decoded by our tables, INTERNALDATE for a message
 * without a Date header.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessageStructureObject } from 'imapflow';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import type { Mailbox, MessageSummary } from '../../src/mail/mailbox.js';
import { attachmentParts, hasAttachment } from '../../src/protocols/imap/fetch.js';
import { loadRig, mintingProvider } from '../helpers/rig.js';

const head = (subject: string, extra = '') =>
  `From: Sender <sender@example.test>\r\nTo: list@example.test\r\nSubject: ${subject}\r\nDate: Mon, 07 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n${extra}`;

/** `text` as an RFC 2047 B-word in ISO-2022-JP (from the table below). */
const jisWord = (text: string) => `=?ISO-2022-JP?B?${JIS[text] ?? ''}?=`;
/** Pre-encoded ISO-2022-JP (ESC $ B … ESC ( B), base64. */
const JIS: Record<string, string> = {
  日本語の件名: Buffer.from([
    0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x38, 0x6c, 0x24, 0x4e, 0x37, 0x6f, 0x4c, 0x3e, 0x1b, 0x28, 0x42,
  ]).toString('base64'),
  山田: Buffer.from([0x1b, 0x24, 0x42, 0x3b, 0x33, 0x45, 0x44, 0x1b, 0x28, 0x42]).toString('base64'),
  // JIS 0x2141, the wave dash: Outlook shows U+FF5E
  '〜': Buffer.from([0x1b, 0x24, 0x42, 0x21, 0x41, 0x1b, 0x28, 0x42]).toString('base64'),
};

const MESSAGES: Array<{ raw: string; check: (row: MessageSummary, m: Mailbox) => Promise<void> | void }> = [
  {
    // a Content-Disposition: attachment part
    raw: `${head('with attachment', 'Content-Type: multipart/mixed; boundary=b\r\n')}\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n`,
    check: (row) => {
      assert.equal(row.subject, 'with attachment');
      assert.equal(row.hasAttachments, true);
    },
  },
  {
    // an inline image (named) in multipart/related: shown in the body, not an attachment
    raw: `${head('inline image', 'Content-Type: multipart/related; boundary=b\r\n')}\r\n--b\r\nContent-Type: text/html\r\n\r\n<img src="cid:x">\r\n--b\r\nContent-Type: image/png; name=logo.png\r\nContent-Disposition: inline; filename=logo.png\r\nContent-ID: <x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n`,
    check: (row) => {
      assert.equal(row.subject, 'inline image');
      assert.equal(row.hasAttachments, false);
    },
  },
  {
    // a named non-text part without a disposition (Outlook sends files that way)
    raw: `${head('named part', 'Content-Type: multipart/mixed; boundary=b\r\n')}\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream; name=data.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n`,
    check: (row) => assert.equal(row.hasAttachments, true),
  },
  {
    // no Date header: the listing shows when the server received it, as `get` does
    raw: 'From: sender@example.test\r\nTo: list@example.test\r\nSubject: no date\r\n\r\nbody\r\n',
    check: async (row, m) => {
      assert.equal(row.subject, 'no date');
      const got = await m.get(row.id);
      assert.ok(row.date instanceof Date);
      assert.equal(row.date.getTime(), got.receivedAt?.getTime());
    },
  },
  {
    // an encoded-word that decodes to plain ASCII
    raw: `${head('=?UTF-8?Q?plain_ascii?=')}Content-Type: text/plain\r\n\r\nx\r\n`,
    check: (row) => assert.equal(row.subject, 'plain ascii'),
  },
  {
    // Japanese in encoded-words (re-read and decoded as `get` decodes them; the wave dash as Outlook shows it)
    raw: `From: ${jisWord('山田')} <yamada@example.test>\r\nTo: list@example.test\r\nSubject: ${jisWord('日本語の件名')} ${jisWord('〜')}\r\nDate: Mon, 07 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\nx\r\n`,
    check: async (row, m) => {
      assert.equal(row.subject, '日本語の件名～');
      assert.equal(row.from[0]?.name, '山田');
      assert.equal(row.from[0]?.address, 'yamada@example.test');
      assert.equal(row.subject, (await m.get(row.id)).subject);
    },
  },
  {
    // raw ISO-2022-JP in the Subject (no RFC 2047), as old Japanese mailers sent it: imapflow's
    // envelope keeps the escape sequences, only the re-read header lines decode it
    raw: `From: sender@example.test\r\nTo: list@example.test\r\nSubject: ${Buffer.from(JIS['日本語の件名'] as string, 'base64').toString('latin1')}\r\nDate: Mon, 07 Dec 2026 10:00:00 +0900\r\n\r\nx\r\n`,
    check: (row) => assert.equal(row.subject, '日本語の件名'),
  },
];

describe('IMAP list rows', () => {
  const rig = loadRig();
  const user = rig.uniqueMailbox();
  let mailbox: Mailbox;

  before(async () => {
    for (const m of MESSAGES) await rig.deliver(user, Buffer.from(m.raw, 'latin1'));
    mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
  });
  after(async () => {
    await mailbox?.close();
  });

  test('each row shows what the message holds, decoded as get decodes it', async () => {
    const rows = await mailbox.list();
    assert.equal(rows.length, MESSAGES.length);
    assert.deepEqual(
      rows.map((r) => Number(r.id)),
      rows.map((r) => Number(r.id)).sort((a, b) => a - b),
    );
    for (const [i, m] of MESSAGES.entries()) await m.check(rows[i] as MessageSummary, mailbox);
  });

  test('the attachment filter and the limit see the same rows', async () => {
    const all = await mailbox.list();
    const withAtt = await mailbox.list({ filter: { hasAttachments: true } });
    assert.deepEqual(
      withAtt.map((r) => r.subject),
      all.filter((r) => r.hasAttachments).map((r) => r.subject),
    );
    const last2 = await mailbox.list({ limit: 2 });
    assert.deepEqual(
      last2.map((r) => r.id),
      all.slice(-2).map((r) => r.id),
    );
  });
});

test('hasAttachment agrees with attachmentParts (some part not inline)', () => {
  const leaf = (o: Partial<MessageStructureObject>): MessageStructureObject =>
    ({ type: 'text/plain', part: '1', ...o }) as MessageStructureObject;
  const cases: MessageStructureObject[] = [
    leaf({}),
    leaf({ type: 'application/pdf', disposition: 'attachment' }),
    leaf({ type: 'application/pdf', disposition: 'ATTACHMENT', part: undefined }),
    leaf({ type: 'image/png', disposition: 'inline', parameters: { name: 'a.png' } }),
    leaf({ type: 'image/png', parameters: { name: 'a.png' } }),
    leaf({ type: 'text/plain', dispositionParameters: { filename: 'a.txt' } }),
    leaf({ type: 'message/rfc822' }),
    {
      type: 'multipart/mixed',
      childNodes: [
        {
          type: 'multipart/alternative',
          childNodes: [leaf({ part: '1.1' }), leaf({ type: 'text/html', part: '1.2' })],
        },
        leaf({ type: 'image/gif', part: '2', disposition: 'inline', dispositionParameters: { filename: 'x.gif' } }),
      ],
    } as MessageStructureObject,
    {
      type: 'multipart/mixed',
      childNodes: [leaf({}), leaf({ type: 'application/zip', part: '2', parameters: { name: 'z.zip' } })],
    } as MessageStructureObject,
  ];
  const expected = [false, true, false, false, true, false, true, false, true];
  cases.forEach((c, i) => {
    assert.equal(hasAttachment(c), expected[i], `case ${i}`);
    assert.equal(
      hasAttachment(c),
      attachmentParts(c).some((a) => !a.inline),
      `case ${i}`,
    );
  });
});
