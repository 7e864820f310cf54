/**
 * Fault suite, bad input: each refused with a clear, typed error and nothing changed.
 * Already covered elsewhere (not repeated): composeMessage refusing CR/LF in every header
 * field (test/message/compose.test.ts), 501 recipients (same), five resource-add mistakes
 * (test/cli/resource.test.ts), best-effort decoding of a few malformed messages
 * (test/message/parse.test.ts). Added here: EVERY resource field out of range through the real
 * CLI with the store checked unchanged; header injection and 10,000 recipients through
 * `mailbridge send` (refused before any connection: the resource points at a closed port);
 * a seeded fuzz of MIME and charsets through parseMessage; an attachment larger than the
 * server's limit.
 *
 * Attachment size: mailbridge sets no limit of its own (Exchange Online's is a tenant
 * setting, 35 MB by default and up to 150 MB, advertised in EHLO SIZE: microsoft.md §3): the
 * server's refusal must come back as a typed error, nothing crashes, nothing half-sent.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { applyPreset } from '../../src/config/presets.js';
import { resourceSchema } from '../../src/config/resource.js';
import { parseResource } from '../../src/config/validate.js';
import { MailbridgeError } from '../../src/errors.js';
import { parseMessage } from '../../src/message/parse.js';
import { createSmtpSender } from '../../src/protocols/smtp/sender.js';
import { Secret } from '../../src/secret.js';
import type { Store } from '../../src/store/store.js';
import { cliHome, PROJECT_ROOT } from '../auth/support.js';
import { cliEntry } from '../helpers/cli.js';

const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const CID = '11111111-2222-3333-4444-555555555555';
const USER = 'alice@contoso.onmicrosoft.com';

interface Run { code: number; stdout: string; stderr: string }

/** The real CLI in its own process (stdin closed unless given). */
function cli(env: NodeJS.ProcessEnv, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: PROJECT_ROOT, env: { ...process.env, MAILBRIDGE_DATABASE_URL: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mailbridge ${args[0]} timed out`)); }, 60_000);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    child.stdin.end(input);
  });
}

/** Runs `jobs` at most `width` at a time (each is a node process: the machine has 2 cores). */
async function pool<T>(jobs: (() => Promise<T>)[], width = 4): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

/** One line on stderr, `mailbridge: … (CODE). Fix: …`, naming the field; no stack trace. */
function assertOneLine(r: Run, what: string, field: RegExp): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}; ${r.stdout} ${r.stderr}`);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 1, `${what}: not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0]!, /^mailbridge: .*\([A-Z0-9_]+\)\. Fix: \S/, what);
  assert.match(lines[0]!, field, what);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, what);
}

let home: Awaited<ReturnType<typeof cliHome>>;
let store: Store;

before(async () => {
  home = await cliHome();
  store = await home.openStore();
  // A good receive resource and a send resource whose server is a closed port: anything that
  // got past the checks would fail with CONNECTION_REFUSED, not the error the test expects.
  const good = parseResource(applyPreset({ preset: 'm365', name: 'good', kind: 'imap', tenantId: T, clientId: CID, user: USER }));
  await store.putResource(good);
  await store.putSecret('good', 'client_secret', new Secret('sandbox-secret-value-1234567890'));
  const out = parseResource({
    ...applyPreset({ preset: 'm365', name: 'out', kind: 'smtp', tenantId: T, clientId: CID, user: USER, authorityUrl: 'http://127.0.0.1:9', mailHost: '127.0.0.1', port: 9 }),
  });
  await store.putResource(out);
  await store.putSecret('out', 'client_secret', new Secret('sandbox-secret-value-1234567890'));
  await store.close();
});
after(async () => { await home?.remove(); });

/** [flags, the field the one-line error must name]: every option of `resource add`, broken. */
const BAD_FIELDS: [string[], RegExp][] = [
  [['--kind', 'exchange'], /kind/],
  [['--preset', 'outlook'], /preset/],
  [['--tenant', ''], /tenantId/],
  [['--client-id', ''], /clientId/],
  [['--client-auth', 'password'], /clientAuth/],
  [['--user', 'not-an-address'], /user/],
  [['--from', 'not-an-address'], /from/],
  [['--cloud', 'mars'], /cloud/],
  [['--flow', 'implicit'], /flow/],
  [['--authority', 'not-a-url'], /authorityUrl/],
  [['--host', ''], /[Hh]ost/],
  [['--host', 'https://outlook.office365.com/'], /server\.host/],
  [['--port', '0'], /port/],
  [['--port', '70000'], /port/],
  [['--port', 'abc'], /port/],
  [['--secure', 'ssl'], /secure/],
  [['--secure', 'none'], /server\.secure/],
  [['--scope', ''], /oauth\.scope/],
  [['--scope', 'Mail.Read offline_access'], /oauth\.scope/],
  [['--authorize-url', 'nope'], /authorizeUrl/],
  [['--token-url', 'nope'], /tokenUrl/],
  [['--device-code-url', 'nope'], /deviceCodeUrl/],
  [['--callback-url', 'http://example.com/cb'], /oauth\.callbackUrl/],
  [['--response-mode', 'fragment'], /responseMode/],
  [['--secret-expires', '2024-13-45'], /secretExpiresAt/],
  [['--rate-limit', '-1'], /rateLimitPerMinute/],
  [['--rate-limit', 'many'], /rateLimitPerMinute/],
  [['--insecure-loopback'], /tls\.insecureLoopback/],
  [['--allow-plaintext-loopback'], /tls\.allowPlaintextLoopback/],
  [['--client-auth', 'certificate'], /certificate/],
  [['--user', 'a@contoso.com\r\nBcc: victim@example.com'], /user/],
  [['--from', 'a@contoso.com\nBcc: victim@example.com'], /from/],
];

test(`resource add: ${BAD_FIELDS.length} fields out of range, each exit 1 with one line naming the field; the store unchanged`, { timeout: 180_000 }, async () => {
  const s1 = await home.openStore();
  const before = JSON.stringify(await s1.listResources());
  await s1.close();
  const base = ['resource', 'add', 'bad', '--kind', 'imap', '--tenant', T, '--client-id', CID, '--user', USER, '--client-secret-stdin'];
  const runs = await pool(BAD_FIELDS.map(([flags]) => () => {
    // A later --kind wins in commander: the bad kind goes last; the rest override the base.
    return cli(home.env, [...base, ...flags], 'sandbox-secret-value-1234567890');
  }));
  runs.forEach((r, i) => assertOneLine(r, BAD_FIELDS[i]![0].join(' '), BAD_FIELDS[i]![1]));
  const s2 = await home.openStore();
  try {
    assert.equal(JSON.stringify(await s2.listResources()), before, 'no resource added or changed');
    assert.equal(await s2.getResource('bad'), undefined);
  } finally {
    await s2.close();
  }
});

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

/** 日本語 in ISO-2022-JP (iconv-lite decodes but does not encode it). */
const JP = Buffer.from('\x1b$BF|K\\8l\x1b(B', 'latin1');
const BASE_MIME = Buffer.concat([
  Buffer.from('From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <y@example.jp>\r\nTo: a@example.test\r\nSubject: =?UTF-8?B?5pel5pys6Kqe?= =?Shift_JIS?B?g2WDWINn?=\r\n'),
  Buffer.from('MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'),
  Buffer.from('--inner\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'), JP,
  Buffer.from('\r\n--inner\r\nContent-Type: text/html; charset=Shift_JIS\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>=93=FA=96{</p>\r\n--inner--\r\n'),
  Buffer.from('--outer\r\nContent-Type: application/octet-stream; name*=UTF-8\'\'%E8%A6%8B%E7%A9%8D.pdf\r\nContent-Disposition: attachment; filename*0*=ISO-2022-JP\'\'%1B%24B8%2B%1B%28B; filename*1=.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n'),
]);

test('parseMessage: 1,000 seeded mutations of a multipart Japanese message resolve (with warnings) or reject typed; never a raw exception', { timeout: 60_000 }, async () => {
  const ok = await parseMessage(BASE_MIME);
  assert.match(ok.subject, /日本語/);
  let seed = 0x12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const bytes = ['\r\n', '\n', '=?', '?=', '?B?', '?Q?', '\x1b$B', '\x1b(B', '--outer', '--inner--', 'charset=', 'boundary=', '"', ';', '\x00', '\xff', '=\r\n', '%', "''"];
  let warned = 0;
  for (let i = 0; i < 1000; i++) {
    let b = Buffer.from(BASE_MIME);
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
      const at = Math.floor(rnd() * b.length);
      const r = rnd();
      if (r < 0.3) b[at] = Math.floor(rnd() * 256);
      else if (r < 0.6) b = Buffer.concat([b.subarray(0, at), Buffer.from(bytes[Math.floor(rnd() * bytes.length)]!, 'latin1'), b.subarray(at)]);
      else if (r < 0.8) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rnd() * 30))]);
      else b = b.subarray(0, at);
    }
    try {
      const m = await parseMessage(b);
      assert.equal(typeof m.subject, 'string');
      if (m.warnings.length > 0) warned++;
    } catch (e) {
      assert.ok(e instanceof MailbridgeError, `case ${i}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)} for ${JSON.stringify(b.toString('latin1'))}`);
    }
  }
  console.log(`# mime fuzz: 1000 mutations parsed or refused typed; ${warned} with decoding warnings`);
});

test('an attachment over the server\'s size limit: a typed error carrying the server\'s 552, nothing crashes, the server kept nothing', { timeout: 60_000 }, async () => {
  const LIMIT = 1024 * 1024;
  let stored = 0;
  const server = new SMTPServer({
    secure: false, authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], size: LIMIT, logger: false,
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return cb(Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 }));
        stored++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.server.address() as AddressInfo).port;
    const resource = resourceSchema.parse({
      name: 'small', kind: 'smtp', server: { host: '127.0.0.1', port, secure: 'none' }, from: 'a@example.test', authType: 'none', tls: { allowPlaintextLoopback: true },
    });
    const sender = createSmtpSender({ resource });
    try {
      await assert.rejects(sender.send({
        from: 'a@example.test', to: 'b@example.test', subject: 'big', text: 'see attachment',
        attachments: [{ filename: 'big.bin', content: randomBytes(2 * LIMIT) }],
      }), (e: unknown) => {
        assert.ok(e instanceof MailbridgeError, String(e));
        assert.match(`${e.message} ${String(e.details.serverResponse ?? '')}`, /552|size/i);
        assert.ok(e.hint.length > 0);
        return true;
      });
      // The same sender still works for a message within the limit.
      await sender.send({ from: 'a@example.test', to: 'b@example.test', subject: 'small', text: 'fits' });
    } finally {
      sender.close();
    }
    assert.equal(stored, 1, 'only the message within the limit was stored');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
