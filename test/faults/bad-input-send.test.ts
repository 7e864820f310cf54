/**
 * Fault suite, bad input through `mailbridge send`: header injection in every field and 10,000
 * recipients are refused before any connection (the resource points at a closed port, so
 * anything that got past the checks would fail with CONNECTION_REFUSED instead).
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliHome } from '../auth/support.js';
import { assertOneLine, cli, pool, putResources } from './bad-input-support.js';

let home: Awaited<ReturnType<typeof cliHome>>;

before(async () => {
  home = await cliHome();
  const store = await home.openStore();
  await putResources(store);
  await store.close();
});
after(async () => { await home?.remove(); });

test('mailbridge send: CR/LF in subject, addresses, headers or a file name, and 10,000 recipients, are refused before connecting', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mb-faults-attach-'));
  const evilName = join(dir, 'report.txt\r\nX-Injected: 1');
  await writeFile(evilName, 'x');
  // Four --to lists of 2,500: one argv string may not exceed 128 KB (E2BIG).
  const many = Array.from({ length: 4 }, (_, k) => ['--to', Array.from({ length: 2500 }, (_, i) => `u${k * 2500 + i}@example.test`).join(',')]).flat();
  const send = (...extra: string[]) => ['send', 'out', '--to', 'bob@example.test', '--subject', 'hello', '--text', 'body', ...extra];
  const cases: [string, string[], RegExp][] = [
    ['subject', ['send', 'out', '--to', 'bob@example.test', '--subject', 'hi\r\nBcc: victim@example.com', '--text', 'b'], /HEADER_INJECTION/],
    ['to', ['send', 'out', '--to', 'bob@example.test\r\nBcc: victim@example.com', '--subject', 's', '--text', 'b'], /HEADER_INJECTION|ADDRESS_INVALID/],
    ['cc', send('--cc', 'c@example.test\nBcc: victim@example.com'), /HEADER_INJECTION|ADDRESS_INVALID/],
    ['reply-to', send('--reply-to', 'r@example.test\r\nX-Evil: 1'), /HEADER_INJECTION|ADDRESS_INVALID/],
    ['from', send('--from', 'Evil\r\nX-Injected: 1 <a@example.test>'), /HEADER_INJECTION|ADDRESS_INVALID/],
    ['header value', send('--header', 'X-Campaign: spring\r\nBcc: victim@example.com'), /HEADER_INJECTION/],
    ['header name', send('--header', 'X-Bad\r\nBcc: victim@example.com'), /HEADER_/],
    ['header name not a field name', send('--header', 'Bad Header: x'), /HEADER_NAME_INVALID/],
    ['attachment file name', send('--attach', evilName), /HEADER_INJECTION/],
    ['10,000 recipients', ['send', 'out', ...many, '--subject', 's', '--text', 'b'], /10000 recipients.*limit is 500.*TOO_MANY_RECIPIENTS/],
  ];
  const runs = await pool(cases.map(([, args]) => () => cli(home.env, args)));
  runs.forEach((r, i) => {
    const [what, , code] = cases[i]!;
    assertOneLine(r, what, code);
    assert.doesNotMatch(r.stderr, /CONNECTION_REFUSED|REFRESH_TOKEN/, `${what}: refused before any connection or token`);
    assert.doesNotMatch(r.stderr, /\r/, `${what}: no raw CR echoed to the terminal`);
  });
});
