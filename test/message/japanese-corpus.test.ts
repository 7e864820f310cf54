/**
 * The Japanese corpus (test/fixtures/japanese/, built by scripts/japanese-corpus.py, sources in
 * SOURCE.md) through mailbridge's parse: every message must read as expected.json says Outlook
 * shows it. One test per message so a regression names the class and the source.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseMessage } from '../../src/message/parse.js';
import { corpusCases, corpusDir } from '../fixtures/japanese/corpus.js';

for (const c of corpusCases()) {
  test(`${c.file} (${c.class}): ${c.source}`, async () => {
    const m = await parseMessage(readFileSync(`${corpusDir}/${c.file}`));
    if (c.subject !== undefined) assert.equal(m.subject, c.subject);
    if (c.from !== undefined) assert.equal(m.from?.name, c.from);
    for (const s of c.text ?? [])
      assert.ok(m.text?.includes(s), `text lacks ${JSON.stringify(s)}: ${JSON.stringify(m.text)}`);
    for (const s of c.html ?? [])
      assert.ok(m.html?.includes(s), `html lacks ${JSON.stringify(s)}: ${JSON.stringify(m.html)}`);
    if (c.attachments !== undefined)
      assert.deepEqual(
        m.attachments.map((a) => a.filename),
        c.attachments,
      );
    // nothing decoded may keep an ISO-2022-JP escape or a replacement character
    const all = [
      m.subject,
      m.from?.name ?? '',
      m.text ?? '',
      m.html ?? '',
      ...m.attachments.map((a) => a.filename ?? ''),
    ];
    for (const s of all) assert.ok(!/\x1b|\ufffd/.test(s), `escape or U+FFFD left in ${JSON.stringify(s)}`);
  });
}
