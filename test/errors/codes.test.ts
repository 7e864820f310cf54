import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorCodes, isErrorCode, oauthErrorCode, aadstsCode, ConfigError } from '../../src/errors.js';
import { errorsMarkdown, errorsMarkdownJa } from '../../scripts/errors-doc.js';

test('docs/errors.md is what `npm run docs:errors` writes from the registry', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), errorsMarkdown(), 'run `npm run docs:errors` and commit docs/errors.md');
  assert.equal(readFileSync('docs/ja/errors.md', 'utf8'), errorsMarkdownJa(), 'run `npm run docs:errors` and commit docs/ja/errors.md');
});

test('the registry is in alphabetical order and every entry says what the code means and how to fix it', () => {
  const codes = Object.keys(errorCodes);
  assert.deepEqual(codes, [...codes].sort(), 'keep src/errors/codes.ts sorted: parallel additions then merge cleanly');
  for (const [code, info] of Object.entries(errorCodes)) {
    assert.match(code, /^[A-Z][A-Z0-9_]+$/, code);
    assert.ok(info.meaning.length > 10 && info.fix.length > 5, `${code} needs a meaning and a fix`);
  }
});

test('isErrorCode accepts registered codes and the AADSTS / OAUTH_ families, and nothing else', () => {
  assert.ok(isErrorCode('SMTP_AUTH_DISABLED'));
  assert.ok(isErrorCode('AADSTS700082'));
  assert.ok(isErrorCode(oauthErrorCode('invalid_grant')));
  assert.equal(oauthErrorCode('invalid_grant'), 'OAUTH_INVALID_GRANT');
  assert.equal(aadstsCode('AADSTS50173'), 'AADSTS50173');
  assert.equal(aadstsCode('50173'), undefined);
  assert.ok(!isErrorCode('SMTP_AUTH_DISABLEDX'));
  assert.ok(!isErrorCode('toString'));
});

test('an error carries its registered code into the one-line message', () => {
  const e = new ConfigError({ code: 'CONFIG_INVALID', message: 'bad', hint: 'fix it' });
  assert.equal(e.oneLine(), 'bad (CONFIG_INVALID). Fix: fix it');
  // @ts-expect-error: a code that is not in the registry does not compile
  void new ConfigError({ code: 'NOT_A_REGISTERED_CODE', message: 'bad', hint: 'fix it' });
});
