// scripts/unit-tests.txt (the `npm run test:unit` lane) names existing test files that need no rig, database or
// browser: a file that starts needing one must leave the list, or the fast lane would fail without the rig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

test('the unit lane lists existing files, sorted, none of which reaches for the rig, PostgreSQL or a browser', () => {
  const files = readFileSync('scripts/unit-tests.txt', 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  assert.ok(files.length > 20);
  assert.deepEqual(files, [...files].sort(), 'keep scripts/unit-tests.txt sorted');
  for (const f of files) {
    assert.ok(existsSync(f), `${f} is listed but does not exist`);
    if (f === 'test/unit-lane.test.ts') continue; // names the patterns itself
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /helpers\/rig\.js|store\/databases\.js|playwright|helpers\/cli\.js/, `${f} needs a server or the CLI: take it off the list`);
  }
});
