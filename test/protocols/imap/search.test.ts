import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toSearchObject } from '../../../src/protocols/imap/search.js';
import { attachmentParts } from '../../../src/protocols/imap/fetch.js';

test('no criteria searches ALL', () => {
  assert.deepEqual(toSearchObject({}), { all: true });
});

test('each filter maps to its RFC 3501 SEARCH key', () => {
  const since = new Date('2024-05-01T00:00:00Z');
  const before = new Date('2024-06-01T00:00:00Z');
  assert.deepEqual(
    toSearchObject({ unseen: true, since, before, from: 'alice', to: 'bob', subject: '請求書', larger: 10, smaller: 2000 }),
    { seen: false, since, before, from: 'alice', to: 'bob', subject: '請求書', larger: 10, smaller: 2000 },
  );
  assert.deepEqual(toSearchObject({ unseen: false }), { seen: true });
});

test('attachments are found in nested BODYSTRUCTURE, text bodies are not', () => {
  const parts = attachmentParts({
    type: 'multipart/mixed',
    childNodes: [
      { type: 'multipart/alternative', childNodes: [{ type: 'text/plain', part: '1.1' }, { type: 'text/html', part: '1.2' }] },
      { type: 'application/pdf', part: '2', disposition: 'attachment', dispositionParameters: { filename: '見積書.pdf' }, size: 400 },
      { type: 'image/png', part: '3', disposition: 'inline', parameters: { name: 'logo.png' } },
      { type: 'message/rfc822', part: '4' },
    ],
  });
  assert.deepEqual(parts.map((p) => [p.part, p.filename, p.inline]), [
    ['2', '見積書.pdf', false],
    ['3', 'logo.png', true],
    ['4', undefined, false],
  ]);
});
