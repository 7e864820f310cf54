import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceNameSchema } from '../../src/config/resource.js';

test('a resource name is letters, digits, . _ -, and never the console add form\'s "new"', () => {
  assert.equal(resourceNameSchema.safeParse('m365-receive').success, true);
  assert.equal(resourceNameSchema.safeParse('news').success, true);
  for (const bad of ['new', 'NEW', '-x', 'a b', ''])
    assert.equal(resourceNameSchema.safeParse(bad).success, false, bad);
  assert.match(resourceNameSchema.safeParse('New').error?.issues[0]?.message ?? '', /reserved/);
});
