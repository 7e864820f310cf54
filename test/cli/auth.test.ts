import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startIdentityEmulator, type IdentityEmulator, defaultSeed } from '@mailbridge/sandbox';
import { cliHome, putEmulatorResource, runCli, SANDBOX } from '../auth/support.js';
import { completeConsent, completeDeviceLogin } from '../helpers/consent.js';

const alice = { username: SANDBOX.alice, password: SANDBOX.password };
let emulator: IdentityEmulator;
let home: Awaited<ReturnType<typeof cliHome>>;

before(async () => {
  const seed = defaultSeed();
  seed.options.deviceCodeIntervalSeconds = 1;
  emulator = await startIdentityEmulator({ seed });
  home = await cliHome();
  const store = await home.openStore();
  await putEmulatorResource(store, emulator, { name: 'paste', kind: 'imap' });
  await putEmulatorResource(store, emulator, { name: 'later', kind: 'imap' });
  await putEmulatorResource(store, emulator, { name: 'loop', kind: 'smtp', callbackUrl: 'http://localhost' });
  await putEmulatorResource(store, emulator, { name: 'dev', kind: 'pop3', flow: 'device_code', clientId: SANDBOX.publicClientId, clientAuth: 'none' }, null);
  await putEmulatorResource(store, emulator, { name: 'app', kind: 'imap', flow: 'client_credentials', user: SANDBOX.bob });
  await store.close();
});
after(async () => {
  await emulator.close();
  await home.remove();
});

const authorizeUrlIn = (text: string): string | undefined => /(http:\/\/127\.0\.0\.1:\d+\/\S+\/authorize\?\S+)/.exec(text)?.[1];

test('mailbridge auth --paste: prints the URL, reads the redirected URL, ends Available', async () => {
  let answered = false;
  const run = await runCli(['auth', 'paste', '--paste'], home.env, {
    onStdout: (out, stdin) => {
      const url = authorizeUrlIn(out);
      if (!url || answered) return;
      answered = true;
      void completeConsent(url, alice).then((redirected) => stdin.end(`${redirected.toString()}\n`));
    },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /paste here the whole URL/);
  assert.match(run.stdout, /paste: refresh token status Available \(authorization_code, via paste\)/);
});

test('mailbridge auth with an http://localhost callback: the loopback listener catches the code', async () => {
  let started = false;
  const run = await runCli(['auth', 'loop'], home.env, {
    onStdout: (out) => {
      const url = authorizeUrlIn(out);
      if (!url || started) return;
      started = true;
      // What the browser does: sign in, then follow the redirect to the listener.
      void completeConsent(url, alice).then((redirected) => fetch(redirected));
    },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /waiting on http:\/\/localhost:\d+/);
  assert.match(run.stdout, /loop: refresh token status Available .*via listener/);
});

test('no URL pasted: the consent stays open; --redirect-url finishes it from a script', async () => {
  const first = await runCli(['auth', 'later', '--paste'], home.env);
  assert.equal(first.code, 1);
  assert.match(first.stderr, /^mailbridge: .*\(CONSENT_PENDING\)\. Fix: finish it with `mailbridge auth later --redirect-url/m);
  const url = authorizeUrlIn(first.stdout);
  assert.ok(url);
  const redirected = await completeConsent(url, alice);
  const second = await runCli(['auth', 'later', '--redirect-url', redirected.toString(), '--json'], home.env);
  assert.equal(second.code, 0, second.stderr);
  const result = JSON.parse(second.stdout) as { status: string; via: string };
  assert.equal(result.status, 'Available');
  assert.equal(result.via, 'redirect-url');
  // The same redirected URL again: its state was used.
  const replay = await runCli(['auth', 'later', '--redirect-url', redirected.toString()], home.env);
  assert.equal(replay.code, 1);
  assert.match(replay.stderr, /\(STATE_UNKNOWN\)\. Fix:/);
  assert.equal(replay.stderr.trim().split('\n').length, 1, 'one line');
});

test('mailbridge auth --device: shows the code, polls, ends Available', async () => {
  let started = false;
  const run = await runCli(['auth', 'dev', '--device'], home.env, {
    onStdout: (out) => {
      const m = /open the page (\S+) and enter the code (\S+) /.exec(out);
      if (!m || started) return;
      started = true;
      void completeDeviceLogin(m[1]!, m[2]!, alice);
    },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /dev: refresh token status Available \(device_code, via device\)/);
});

test('mailbridge auth on a client-credentials resource: app-only token, no person', async () => {
  const run = await runCli(['auth', 'app'], home.env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /app: app-only token Available \(client_credentials/);
});

test('errors are one line with the fix', async () => {
  const missing = await runCli(['auth', 'nope'], home.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^mailbridge: no resource named nope \(RESOURCE_NOT_FOUND\)\. Fix: /);
  const both = await runCli(['auth', 'paste', '--paste', '--device'], home.env);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /CLI_OPTIONS_CONFLICT/);
});
