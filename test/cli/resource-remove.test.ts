import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addReceive, assertOneLineError, cli, newHome, SECRET } from './resource-support.js';

// `resource remove` shares the service's rule with REST and the console (issue 21 item 3).
test('resource remove: refused while a trigger uses it, naming it; --cascade removes both', () => {
  const home = newHome();
  assert.equal(cli(home, addReceive, { input: SECRET }).code, 0);
  const t = cli(home, ['trigger', 'add', 'watch', '--resource', 'receive', '--webhook', 'http://127.0.0.1:9/hook']);
  assert.equal(t.code, 0, t.stderr);
  const refused = cli(home, ['resource', 'remove', 'receive']);
  assertOneLineError(refused, /RESOURCE_IN_USE|used by trigger watch/);
  assert.match(refused.stderr, /mailbridge resource remove receive --cascade/);
  assert.equal(cli(home, ['resource', 'show', 'receive']).code, 0, 'nothing removed');
  const removed = cli(home, ['resource', 'remove', 'receive', '--cascade', '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(JSON.parse(removed.stdout), { removed: 'receive', triggersRemoved: ['watch'] });
  assert.notEqual(cli(home, ['trigger', 'show', 'watch']).code, 0);
});
