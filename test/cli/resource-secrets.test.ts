import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, newHome, T, SECRET, USER, addReceive } from './resource-support.js';

test('secret from an environment variable; a stdin secret with a newline is trimmed', () => {
  const home = newHome();
  const env = cli(home, ['resource', 'add', 'send', '--kind', 'smtp', '--tenant', T, '--client-id', 'cid', '--user', USER, '--client-secret-env', 'MB_TEST_SECRET'], { env: { MB_TEST_SECRET: SECRET } });
  assert.equal(env.code, 0, env.stderr);
  cli(home, addReceive, { input: `${SECRET}\n` });
  const shown = cli(home, ['resource', 'show', 'receive']).stdout;
  assert.match(shown, /Client secret\s+san…\(31 chars\)/, 'newline not part of the secret');
  assert.match(cli(home, ['resource', 'show', 'send']).stdout, /Outgoing secure connection\s+TLS/);
});

