import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaredMessages, parametersOf } from '../../src/i18n/index.js';
// The console pages of issue 17 (dashboard, resources, form, resource page, connect), loaded for their texts.
import '../../src/server/console/dashboard-page.js';
import '../../src/server/console/resources-page.js';
import '../../src/server/console/resource-edit-page.js';
import '../../src/server/console/resource-connect.js';

// Every text of the resource pages in both languages, with the same parameters in each, and
// Japanese that is not a copy of the English (proper names and URLs aside).
test('the resource pages’ texts: English and Japanese, the same parameters', () => {
  const areas = [
    'console.dashboard',
    'console.resources',
    'console.resourceForm',
    'console.resourceFields',
    'console.status',
    'console.warnings',
    'console.connect',
    'console.paste',
    'console.edit',
  ];
  const ours = [...declaredMessages()].filter(([key]) => areas.some((a) => key.startsWith(`${a}.`)));
  assert.ok(ours.length > 150, `${ours.length} texts`);
  const sameInBoth: string[] = [];
  for (const [key, m] of ours) {
    assert.ok(m.en.trim() && m.ja.trim(), `${key}: both languages`);
    assert.deepEqual(parametersOf(m.ja), parametersOf(m.en), `${key}: the same parameters`);
    if (
      m.en === m.ja &&
      /[a-z]{4}/.test(m.en.replace(/\{\w+\}|https?:\S+|Microsoft|Exchange|Graph|Gmail|Google|Online|OAuth/g, ''))
    )
      sameInBoth.push(key);
  }
  assert.deepEqual(sameInBoth, [], 'untranslated');
});
