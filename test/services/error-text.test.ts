// How a typed error reads in each language, in the CLI's printer and the console's error box (issue 17): English
// unchanged; Japanese as the code's Japanese explanation and fix, with the English message and hint kept for search;
// the console's fix buttons still come from the precise English hint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthError, ConfigError, ProtocolError } from '../../src/errors.js';
import { consoleFix, errorBox } from '../../src/server/console/fixes.js';
import { errorText } from '../../src/services/error-text.js';

test("English is the error as thrown; Japanese is the code's explanation and fix with the English kept", () => {
  const e = new ProtocolError({
    code: 'SMTP_AUTH_DISABLED',
    message: 'SMTP AUTH is disabled for the tenant (535 5.7.139)',
    hint: 'run Set-CASMailbox -Identity alice@contoso.com -SmtpClientAuthenticationDisabled $false',
  });
  assert.deepEqual(errorText(e, 'en'), { summary: e.message, fix: e.hint });
  const ja = errorText(e, 'ja');
  assert.equal(ja.summary, 'テナント全体で SMTP AUTH が無効になっています (535 5.7.139)');
  assert.match(ja.fix, /^このメールボックスだけ有効にする \(Set-CASMailbox -SmtpClientAuthenticationDisabled \$false/);
  assert.equal(ja.original, `${e.message}. Fix: ${e.hint}`);
});

test("AADSTS codes and OAuth errors get the catalogue's Japanese; an unknown AADSTS code stays English", () => {
  const aad = errorText(
    { code: 'AADSTS700082', message: 'the refresh token expired', hint: 'run `mailbridge auth inbox`' },
    'ja',
  );
  assert.equal(aad.summary, 'リフレッシュ トークンが 90 日間使われず、有効期限が切れました');
  assert.match(aad.fix, /`mailbridge auth` を実行し、サインインと同意をやり直してください/);
  const oauth = errorText(
    { code: 'OAUTH_INVALID_CLIENT', message: 'invalid_client: bad secret', hint: 'check it' },
    'ja',
  );
  assert.match(oauth.fix, /クライアント ID、テナント、クライアント シークレット/);
  const unknown = errorText({ code: 'AADSTS1', message: 'something', hint: 'do this' }, 'ja');
  assert.deepEqual(unknown, { summary: 'something', fix: 'do this' });
});

test("the console's error box in Japanese: explanation, fix with Japanese buttons, the English in small print", () => {
  const e = new AuthError({
    code: 'REFRESH_TOKEN_EXPIRED',
    message: 'inbox: the refresh token expired (AADSTS700082)',
    hint: 'run `mailbridge auth inbox` to sign in again',
  });
  const box = errorBox(e, { csrf: 'tok', resource: 'inbox', locale: 'ja' }).text;
  assert.match(box, /<strong>リフレッシュ トークンの有効期限が切れました/);
  assert.match(box, /対処: 「接続」を押し、もう一度サインインしてください/);
  assert.match(box, /<button class="fix-connect">接続<\/button>/);
  assert.match(
    box,
    /<p class="note" lang="en" id="error-original">英語の原文 \(検索用\): inbox: the refresh token expired \(AADSTS700082\)\. Fix: run `mailbridge auth inbox` to sign in again<\/p>/,
  );
  const en = errorBox(e, { csrf: 'tok', resource: 'inbox' }).text;
  assert.match(en, /Fix: run “Connect” to sign in again/);
  assert.doesNotMatch(en, /error-original|[\u3040-\u30ff]/);
});

test("a fix the Japanese text says in words still gets the precise hint's buttons", () => {
  const e = new ConfigError({
    code: 'RESOURCE_EXISTS',
    message: 'a resource named "inbox" exists',
    hint: 'change it with `mailbridge resource edit inbox`',
  });
  const { text, actions } = consoleFix(e, 'inbox', 'ja');
  assert.match(text, /「リソースを編集」/);
  assert.deepEqual(
    actions.map((a) => [a.id, a.label]),
    [['fix-edit', 'リソースを編集']],
  );
});
