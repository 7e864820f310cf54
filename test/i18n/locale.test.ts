import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatDateTime,
  localeFromAcceptLanguage,
  localeFromEnv,
  messages,
  relativeTime,
  t,
} from '../../src/i18n/index.js';

test('the CLI language follows LC_ALL, then LC_MESSAGES, then LANG; C and unknown languages are English', () => {
  assert.equal(localeFromEnv({ LANG: 'ja_JP.UTF-8' }), 'ja');
  assert.equal(localeFromEnv({ LC_ALL: 'C', LANG: 'ja_JP.UTF-8' }), 'en');
  assert.equal(localeFromEnv({ LC_ALL: '', LC_MESSAGES: 'ja_JP', LANG: 'en_US.UTF-8' }), 'ja');
  assert.equal(localeFromEnv({ LANG: 'fr_FR.UTF-8' }), 'en');
  assert.equal(localeFromEnv({}), 'en');
});

test('the browser language is the supported one with the highest q', () => {
  assert.equal(localeFromAcceptLanguage('ja,en-US;q=0.9,en;q=0.8'), 'ja');
  assert.equal(localeFromAcceptLanguage('en-US,en;q=0.9,ja;q=0.95'), 'en');
  assert.equal(localeFromAcceptLanguage('fr-FR,ja;q=0.5'), 'ja');
  assert.equal(localeFromAcceptLanguage('ja;q=0,en;q=0.1'), 'en');
  assert.equal(localeFromAcceptLanguage(undefined), 'en');
});

test('a text is given in the asked language with its parameters filled in', () => {
  const m = messages('test.locale', { hello: { en: 'Hello {name}', ja: '{name} さん、こんにちは' } });
  assert.equal(t(m.hello, 'en', { name: 'Aiko' }), 'Hello Aiko');
  assert.equal(t(m.hello, 'ja', { name: 'Aiko' }), 'Aiko さん、こんにちは');
  assert.equal(t(m.hello, 'en'), 'Hello {name}');
});

test('dates are shown in the reader’s zone and language, and relative times read naturally', () => {
  const when = Date.UTC(2026, 11, 7, 15, 0);
  assert.match(formatDateTime(when, 'ja'), /2026\/12\/08 00:00 JST/);
  assert.match(formatDateTime(when, 'en'), /7 Dec 2026, 15:00 UTC/);
  assert.equal(relativeTime(when - 5 * 60_000, 'ja', when), '5 分前');
  assert.equal(relativeTime(when + 2 * 3600_000, 'en', when), 'in 2 hours');
});
