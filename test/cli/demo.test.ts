import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SANDBOX } from '@mailbridge/sandbox';

// The README's run command: it must work on a fresh home with no tenant and no input.
test('mailbridge demo consents the guide\'s resources against the sandbox, starts the console, and its trigger delivers a sent message', () => {
  const home = mkdtempSync(join(tmpdir(), 'mb-demo-'));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--once', '--port', '0'], {
    env: { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '' },
    encoding: 'utf8',
    timeout: 110_000,
  });
  assert.equal(run.status, 0, run.stderr);
  for (const name of ['demo-receive', 'demo-send', 'demo-exchange', 'demo-graph']) assert.match(run.stdout, new RegExp(`== ${name}: consent by paste`));
  assert.equal(run.stdout.match(/OAuth refresh token status\s+Available/g)?.length, 4);
  assert.match(run.stdout, /console  http:\/\/127\.0\.0\.1:\d+\/console\//);
  const sent = /sent "(mailbridge demo [^"]+)" through demo-send/.exec(run.stdout);
  assert.ok(sent, 'a message was sent');
  assert.ok(run.stdout.includes(`trigger demo-inbox delivered "${sent[1]}"`), 'the trigger delivered it');
  assert.match(run.stdout, /Response mode\s+query/, 'the Exchange resource keeps the guide\'s response mode');
  assert.match(run.stdout, /oauth2\/authorize\n/, 'the Exchange resource keeps the guide\'s v1 authorize URL');
  assert.doesNotMatch(run.stdout + run.stderr, /at .*\.ts:\d+/, 'no stack trace');

  // The client secret is masked in output and sealed on disk, and the home is private.
  assert.ok(!(run.stdout + run.stderr).includes(SANDBOX.clientSecret));
  for (const f of readdirSync(home).filter((n) => n.startsWith('mailbridge.db'))) {
    assert.ok(!readFileSync(join(home, f)).includes(SANDBOX.clientSecret), `${f} holds the secret in plaintext`);
    assert.equal(statSync(join(home, f)).mode & 0o077, 0, `${f} is readable by others`);
  }
  assert.equal(statSync(join(home, 'key')).mode & 0o777, 0o600);

  // Run twice: the second run re-points the resources at the new sandbox before its service starts (no error
  // against the first run's ports), finds the first run's mail, and the sandbox's identity platform still honours
  // the refresh tokens it issued then (issue 21 item 13: no consent needed again).
  const again = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--once', '--port', '0'], {
    env: { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '' }, encoding: 'utf8', timeout: 110_000,
  });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout.match(/OAuth refresh token status\s+Available/g)?.length, 4);
  assert.equal(again.stdout.match(/: refresh token of the last run still valid/g)?.length, 4, again.stdout);
  assert.match(again.stdout, /Inbox: 1 message/, 'the first run\'s message is still in the sandbox mailbox');
  assert.doesNotMatch(again.stderr, /CONNECTION_REFUSED|ECONNREFUSED|TOKEN_ENDPOINT_UNREACHABLE|"level":50/);
  assert.equal(statSync(join(home, 'sandbox', 'identity-state.json')).mode & 0o777, 0o600);
  assert.ok(!readFileSync(join(home, 'sandbox', 'identity-state.json'), 'utf8').includes(SANDBOX.clientSecret));

  // With the demo stopped, a demo resource says the sandbox is not running (not "check port 993 and your firewall").
  for (const args of [['list', 'demo-receive'], ['token', 'refresh', 'demo-graph']]) {
    const down = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '' }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(down.status, 1, down.stderr);
    assert.match(down.stderr, new RegExp(`^mailbridge: ${args.at(-1)} points at the mailbridge sandbox \\(127\\.0\\.0\\.1:\\d+\\), which is not running \\(SANDBOX_NOT_RUNNING\\)\\. Fix: start it with \`mailbridge demo\``));
    assert.doesNotMatch(down.stderr, /firewall/);
  }
});
