import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ALICE, message, startImapFixture, type ImapFixture } from './support.js';

// A classic IMAP client nobody here wrote: Python's standard imaplib, as a mail script or an
// old integration would use it (AUTHENTICATE XOAUTH2, SELECT, SEARCH, FETCH, STORE, EXPUNGE).
const SCRIPT = String.raw`
import imaplib, json, ssl, sys
port, ca, user, token = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL('localhost', int(port), ssl_context=ctx)
caps = list(m.capabilities)
m.authenticate('XOAUTH2', lambda _: ('user=%s\x01auth=Bearer %s\x01\x01' % (user, token)).encode())
typ, data = m.select('INBOX')
exists = int(data[0])
typ, found = m.search(None, '(SUBJECT "python")')
ids = found[0].split()
typ, msg = m.fetch(ids[0], '(RFC822)')
raw = msg[0][1].decode('utf-8', 'replace')
m.store(ids[0], '+FLAGS', '\\Deleted')
m.expunge()
typ, data = m.select('INBOX')
after_count = int(data[0])
m.logout()
print(json.dumps({'caps': caps, 'exists': exists, 'ids': [i.decode() for i in ids], 'subject_seen': 'python test' in raw, 'after': after_count}))
`;

let f: ImapFixture;
before(async () => {
  f = await startImapFixture();
  for (const subject of ['python test', 'other']) await f.ctx.store.deliver(message({ subject, body: 'for imaplib' }), { from: 'x@example.test', to: [ALICE] });
});
after(() => f?.close());

test('Python imaplib signs in with XOAUTH2 and reads, flags and expunges', async () => {
  const { writeFile, mkdtemp } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const ca = join(await mkdtemp(join(tmpdir(), 'mb-py-')), 'ca.pem');
  await writeFile(ca, f.ctx.tls.ca);
  const token = await f.token(ALICE);
  // Asynchronously: the server under test runs in this very process.
  const run = await promisify(execFile)('python3', ['-c', SCRIPT, String(f.server.port), ca, ALICE, token], { encoding: 'utf8', timeout: 30_000 });
  const out = JSON.parse(run.stdout) as { caps: string[]; exists: number; ids: string[]; subject_seen: boolean; after: number };
  assert.ok(out.caps.includes('AUTH=XOAUTH2'));
  assert.ok(!out.caps.includes('AUTH=OAUTHBEARER'), 'Exchange Online offers no OAUTHBEARER');
  assert.equal(out.exists, 2);
  assert.deepEqual(out.ids, ['1']);
  assert.equal(out.subject_seen, true);
  assert.equal(out.after, 1, 'the flagged message was expunged');
});
