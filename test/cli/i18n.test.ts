// The CLI speaks Japanese when LANG/LC_ALL says ja and English otherwise (LANG=C): the error printer (the code's
// Japanese explanation and fix, then the English original for search), the resource table and status words, the
// resource warnings (EWS retirement, secret expiry) and the console password line. The real CLI process each time.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { cliEntry } from '../helpers/cli.js';

const run = promisify(execFile);
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

async function cli(home: string, lang: Record<string, string>, args: string[], extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, MAILBRIDGE_HOME: home, ...lang, ...extra };
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) if (!(name in lang)) delete env[name];
  try {
    const r = await run(process.execPath, [...cliEntry(), ...args], { env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const JA = { LANG: 'ja_JP.UTF-8' };
const C = { LANG: 'C' };

test('errors: Japanese explanation and fix with the English original under LANG=ja; one English line under LANG=C', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-i18n-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const ja = await cli(home, JA, ['resource', 'show', 'nope']);
  assert.equal(ja.code, 1);
  const [first, second, ...rest] = ja.stderr.trimEnd().split('\n');
  assert.equal(
    first,
    'mailbridge: その名前のリソースはありません（RESOURCE_NOT_FOUND）。対処: `mailbridge resource list` または GET /api/resources で一覧を確認してください',
  );
  assert.match(second ?? '', /^ {2}English: no resource named "nope"\. Fix: /);
  assert.deepEqual(rest, []);
  assert.doesNotMatch(ja.stderr, /\bat .*\.(ts|js):\d+/, 'no stack trace');

  const en = await cli(home, C, ['resource', 'show', 'nope']);
  assert.equal(en.code, 1);
  assert.match(en.stderr, /^mailbridge: no resource named "nope" \(RESOURCE_NOT_FOUND\)\. Fix: .+\n$/);
  assert.doesNotMatch(en.stderr, JAPANESE);

  // LC_ALL wins over LANG, as in gettext.
  const forced = await cli(home, { LC_ALL: 'C', LANG: 'ja_JP.UTF-8' }, ['resource', 'show', 'nope']);
  assert.doesNotMatch(forced.stderr, JAPANESE);
  const forcedJa = await cli(home, { LC_ALL: 'ja_JP.UTF-8', LANG: 'en_US.UTF-8' }, ['resource', 'show', 'nope']);
  assert.match(forcedJa.stderr, /その名前のリソースはありません/);
});

test('resource add warnings, the resource table and its status words in both languages', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-i18n-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  assert.match(
    (await cli(home, JA, ['resource', 'list'])).stdout,
    /リソースはまだありません。`mailbridge resource add`/,
  );
  assert.match(
    (await cli(home, C, ['resource', 'list'])).stdout,
    /^no resources yet: add one with `mailbridge resource add`/,
  );

  const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
  const add = await cli(
    home,
    JA,
    [
      'resource',
      'add',
      'ews1',
      '--kind',
      'ews',
      '--preset',
      'm365',
      '--tenant',
      'contoso.onmicrosoft.com',
      '--client-id',
      '11111111-2222-3333-4444-555555555555',
      '--user',
      'alice@contoso.onmicrosoft.com',
      '--secret-expires',
      soon,
      '--client-secret-env',
      'MB_I18N_SECRET',
    ],
    { MB_I18N_SECRET: 'a-client-secret-value' },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(
    add.stderr,
    /^mailbridge: 警告: Exchange Online では 2026-10-01 から EWS が既定で無効になり、2027-04-01 に廃止されます \(kind\)。対処: --kind graph/m,
  );
  assert.match(
    add.stderr,
    new RegExp(
      `^mailbridge: 警告: クライアント シークレットはあと (9|10) 日で有効期限が切れます \\(${soon}\\).*\`mailbridge resource edit ews1 --client-secret-stdin\``,
      'm',
    ),
  );

  const shownEn = await cli(home, C, ['resource', 'show', 'ews1']);
  assert.match(shownEn.stderr, /^mailbridge: warning: Exchange Online turns EWS off by default from 2026-10-01/m);
  assert.doesNotMatch(shownEn.stderr, JAPANESE);

  const listJa = (await cli(home, JA, ['resource', 'list'])).stdout.split('\n');
  assert.match(listJa[0] ?? '', /^名前\s+種類\s+サーバー\s+ユーザー\s+トークンの状態$/);
  assert.match(
    listJa[1] ?? '',
    /^ews1\s+ews\s+https:\/\/outlook\.office365\.com\s+alice@contoso\.onmicrosoft\.com\s+未取得 \(Missing\)/,
  );
  // Columns line up on the terminal: Japanese headers take two columns per character.
  assert.equal(columns(listJa[0]!.slice(0, listJa[0]!.indexOf('種類'))), listJa[1]!.indexOf('ews '));
  const listEn = (await cli(home, C, ['resource', 'list'])).stdout;
  assert.match(listEn, /^NAME\s+KIND\s+SERVER\s+USER\s+TOKEN STATUS\n/);
  assert.match(listEn, /\bMissing \(refresh token\)/);

  const statusJa = (await cli(home, JA, ['token', 'status', 'ews1'])).stdout;
  assert.match(statusJa, /^状態\s+未取得 \(Missing\)$/m);
  assert.match((await cli(home, C, ['token', 'status', 'ews1'])).stdout, /^status\s+Missing$/m);
});

test('console password: the line people copy from, in both languages', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-i18n-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const ja = await cli(home, JA, ['console', 'password']);
  assert.equal(ja.code, 0, ja.stderr);
  assert.match(ja.stdout, /^コンソールのパスワード \(新規。表示はこの一度だけです。.*\): [A-Za-z0-9_-]{20}\n$/);
  const en = await cli(home, C, ['console', 'password']);
  assert.match(en.stdout, /^console password \(new, shown once; .*\): [A-Za-z0-9_-]{20}\n$/);
});

test('--help: the program and its commands described in Japanese under LANG=ja, in English under LANG=C', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-i18n-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const ja = await cli(home, JA, ['--help']);
  assert.match(ja.stdout, /^ {2}resource {2,}メールのリソース \(IMAP、POP3、SMTP、EWS、Graph\) を管理します$/m);
  assert.match(ja.stdout, /^ {2}-V, --version {2,}mailbridge のバージョンを表示します$/m);
  const en = await cli(home, C, ['--help']);
  assert.match(en.stdout, /^ {2}resource {2,}manage mail resources \(IMAP, POP3, SMTP, EWS, Graph\)$/m);
  assert.doesNotMatch(en.stdout, JAPANESE);
});

function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += JAPANESE.test(ch) ? 2 : 1;
  return n;
}
