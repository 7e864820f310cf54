// The shared text catalogue: every text declared with messages() anywhere in src/ has both languages, the same
// {parameters} in both, and Japanese that is not the English left untranslated. Error explanations in Japanese name
// no particular case, so they carry none of the English placeholders (RESOURCE, NAME, FIELD…).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { declaredMessages, parametersOf } from '../../src/i18n/index.js';

const SRC = join(import.meta.dirname, '../../src');

/** Every .ts file under src/ that declares texts (calls messages(), other than its definition). */
function declaringFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return declaringFiles(path);
    if (!d.name.endsWith('.ts') || path === join(SRC, 'i18n/message.ts')) return [];
    return /\bmessages\(\s*['"`]/.test(readFileSync(path, 'utf8')) ? [path] : [];
  });
}

test('every declared text has English and Japanese, the same parameters, and Japanese of its own', async () => {
  const files = declaringFiles(SRC);
  assert.ok(files.length >= 10, `found the modules that declare texts (${files.length})`);
  for (const file of files) await import(pathToFileURL(file).href);
  const texts = declaredMessages();
  // The error registry alone declares two texts per code; an import that silently declared nothing would show here.
  assert.ok(texts.size > 500, `catalogue has ${texts.size} texts`);
  const problems: string[] = [];
  for (const [key, text] of texts) {
    if (!text.en.trim()) problems.push(`${key}: English is empty`);
    if (!text.ja.trim()) problems.push(`${key}: Japanese is empty`);
    if (parametersOf(text.en).join() !== parametersOf(text.ja).join()) {
      problems.push(`${key}: parameters differ: en {${parametersOf(text.en)}} ja {${parametersOf(text.ja)}}`);
    }
    // Japanese texts are Japanese: the same as the English (or with no kana/kanji at all) means untranslated,
    // unless the text holds no ordinary English word at all — only names, acronyms, parameters and punctuation
    // ("Microsoft Graph", "Message-ID", "{name}: {message}"), which Japanese writes the same way.
    const onlyNames = !/\b[a-z]{2,}/.test(text.en.replace(/\{\w+\}/g, ''));
    if (!onlyNames && (text.ja === text.en || !/[\u3040-\u30ff\u4e00-\u9fff]/.test(text.ja)))
      problems.push(`${key}: Japanese is the English ("${text.ja}")`);
  }
  assert.deepEqual(problems, [], `files: ${files.map((f) => relative(SRC, f)).join(', ')}`);
});

test('error explanations and fixes in Japanese carry no placeholder of the English registry', async () => {
  await import('../../src/errors/codes-ja.js');
  await import('../../src/auth/errors-catalogue.js');
  const placeholder =
    /\b(RESOURCE|RESOURCE_NAME|NAME|FIELD|VALUE|PATH|HOST|MAILBOX|USER|FROM|DIR|KIND|COUNT|MAX|SCOPE|SCOPES|STATUS|TIME|LABEL|PREFIX|PORT)\b/;
  const problems = [...declaredMessages()]
    .filter(([key]) => key.startsWith('errors.'))
    .filter(([, text]) => placeholder.test(text.ja))
    .map(([key, text]) => `${key}: ${text.ja}`);
  assert.deepEqual(problems, []);
});
