import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, newHome, assertOneLineError, T, SECRET, USER, addReceive } from './resource-support.js';

test('invalid input: exit 1, one line naming the field and the fix, nothing written', () => {
  const home = newHome();
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'exchange', '--tenant', T, '--client-id', 'c'], { input: SECRET }), /kind.*imap, pop3, smtp, ews, graph/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'smtp', '--secure', 'tls', '--tenant', T, '--client-id', 'c', '--user', USER], { input: SECRET }), /server\.secure.*--secure starttls/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'imap', '--tenant', T, '--client-id', 'c', '--user', USER, '--callback-url', 'http://example.com/cb'], { input: SECRET }), /oauth\.callbackUrl/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'imap', '--tenant', T, '--client-id', 'c', '--user', USER, '--port', 'abc'], { input: SECRET }), /port/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'imap', '--tenant', T, '--client-id', 'c', '--user', USER]), /client secret.*--client-secret-stdin/);
  assert.match(cli(home, ['resource', 'list']).stdout, /no resources yet/, 'nothing was written');

  assert.equal(cli(home, addReceive, { input: SECRET }).code, 0);
  const before = cli(home, ['--json', 'resource', 'show', 'receive']).stdout;
  assertOneLineError(cli(home, ['resource', 'edit', 'receive', '--secure', 'starttls']), /server\.secure.*--secure tls/);
  assertOneLineError(cli(home, addReceive, { input: SECRET }), /already exists/);
  assert.equal(cli(home, ['--json', 'resource', 'show', 'receive']).stdout, before, 'edit wrote nothing');

  const json = cli(home, ['--json', 'resource', 'edit', 'receive', '--user', 'alice']);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.stderr) as { error: { field: string } }).error.field, 'user');
});

