/**
 * Issue 19, the token side: each test meets a failure through the CLI, follows the printed
 * fix literally, and ends in success (or a different, more precise message), never the same
 * error again. Real parts: the identity emulator (HTTP and its HTTPS with an untrusted CA),
 * its faults and admin API, the CLI as a child process.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { postForm, type TokenWait } from '../../src/auth/token-endpoint.js';
import { startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { cliHome, putEmulatorResource, runCli, SANDBOX, type CliRun } from '../auth/support.js';
import { completeConsent, completeDeviceLogin } from '../helpers/consent.js';

let emulator: IdentityEmulator;
let home: Awaited<ReturnType<typeof cliHome>>;
const outputs: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run = await runCli(args, { ...home.env, ...env });
  outputs.push(run.stdout, run.stderr);
  return run;
}

/** `mailbridge auth NAME --paste`, the consent pages done by the sandbox's scripted person. */
async function consent(name: string): Promise<CliRun> {
  let answered = false;
  const run = await runCli(['auth', name, '--paste'], home.env, {
    onStdout: (out, stdin) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/\S+\/authorize\?\S+)/.exec(out)?.[1];
      if (!url || answered) return;
      answered = true;
      void completeConsent(url, { username: SANDBOX.alice, password: SANDBOX.password }).then((u) => stdin.end(`${u.toString()}\n`));
    },
  });
  outputs.push(run.stdout, run.stderr);
  assert.equal(run.code, 0, run.stderr);
  return run;
}

const tokenRequests = (): number => Object.values(emulator.stats().tokenRequestsByGrant).reduce((a, b) => a + (b ?? 0), 0);

before(async () => {
  emulator = await startIdentityEmulator();
  home = await cliHome();
  const store = await home.openStore();
  await putEmulatorResource(store, emulator, { name: 'inbox', kind: 'imap' });
  await putEmulatorResource(store, emulator, { name: 'dev', kind: 'imap' });
  await putEmulatorResource(store, emulator, { name: 'app', kind: 'imap', flow: 'client_credentials', user: SANDBOX.bob });
  // The emulator's HTTPS authority: its certificate is signed by a CA nobody trusts yet.
  await putEmulatorResource(store, emulator, { name: 'tls', kind: 'imap', flow: 'client_credentials', user: SANDBOX.bob, authorityUrl: emulator.httpsUrl });
  await store.close();
  await consent('inbox');
});
after(async () => {
  await emulator.close();
  await home.remove();
});

test('item 2: an untrusted certificate is permanent (one try), and the printed fix (trust the CA) works', async () => {
  const bad = await cli(['--json', 'token', 'refresh', 'tls']);
  assert.equal(bad.code, 1);
  const err = (JSON.parse(bad.stderr) as { error: { code: string; hint: string; attempts: number } }).error;
  assert.equal(err.code, 'TOKEN_ENDPOINT_TLS_FAILED');
  assert.equal(err.attempts, 1, 'a certificate error is not retried');
  assert.match(err.hint, /NODE_EXTRA_CA_CERTS=/);
  // The fix: export the CA and point NODE_EXTRA_CA_CERTS at it.
  const caFile = join(home.home, 'ca.pem');
  await writeFile(caFile, emulator.caPem);
  const ok = await cli(['token', 'refresh', 'tls'], { NODE_EXTRA_CA_CERTS: caFile });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /tls: app-only token Available/);
});

test('item 2: a slow endpoint is bounded by MAILBRIDGE_TOKEN_TIMEOUT, which the message names; a bad value is refused', async () => {
  const fault = emulator.admin.addFault({ kind: 'slow', delayMs: 3_000, grantType: 'client_credentials', times: 1 });
  const slow = await cli(['token', 'refresh', 'app'], { MAILBRIDGE_TOKEN_TIMEOUT: '1' });
  emulator.admin.removeFault(fault.id);
  assert.equal(slow.code, 1);
  assert.match(slow.stderr, /\(TOKEN_ENDPOINT_UNREACHABLE\)\. Fix: .*MAILBRIDGE_TOKEN_TIMEOUT \(now 1 s\)/);
  const typo = await cli(['token', 'refresh', 'app'], { MAILBRIDGE_TOKEN_TIMEOUT: 'soon' });
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /MAILBRIDGE_TOKEN_TIMEOUT=soon is not a number of seconds.*\(CONFIG_INVALID\)/);
  // Following the hint (a longer wait) works.
  const ok = await cli(['token', 'refresh', 'app'], { MAILBRIDGE_TOKEN_TIMEOUT: '30' });
  assert.equal(ok.code, 0, ok.stderr);
});

test('item 2: progress names the host and the try (what the CLI prints on a TTY)', async () => {
  const waits: TokenWait[] = [];
  const fault = emulator.admin.addFault({ kind: 'server_error', status: 503, retryAfterSeconds: 0, times: 1 });
  const url = `${emulator.url}/${SANDBOX.tenantId}/oauth2/v2.0/token`;
  const body = await postForm(url, {
    grant_type: 'client_credentials', client_id: SANDBOX.confidentialClientId, client_secret: SANDBOX.clientSecret,
    scope: 'https://outlook.office365.com/.default',
  }, { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20, progressAfterMs: 0 }, onWait: (w) => waits.push(w) });
  emulator.admin.removeFault(fault.id);
  assert.ok((body as { access_token?: string }).access_token);
  assert.deepEqual(waits.map((w) => `${w.attempt}/${w.maxAttempts}`), ['1/3', '2/3']);
  assert.equal(waits[1]?.host, new URL(emulator.url).host);
});

test('item 3: Retry-After 300: one request, the message says one try and the wait, and what mailbridge does', async () => {
  const before = tokenRequests();
  const fault = emulator.admin.addFault({ kind: 'throttled', retryAfterSeconds: 300, grantType: 'refresh_token', times: 1 });
  const run = await cli(['token', 'refresh', 'inbox']);
  emulator.admin.removeFault(fault.id);
  assert.equal(run.code, 1);
  assert.equal(tokenRequests() - before, 1, 'one request');
  assert.match(run.stderr, /HTTP 429, 1 try\): Microsoft asked to wait 300 s \(5 min\) \(Retry-After\)/);
  assert.match(run.stderr, /mailbridge waits up to 60 s by itself, so it stopped: run the command again after \d{4}-\d\d-\d\dT[\d:]+Z/);
  assert.match(run.stderr, /status is unchanged/);
  // Run again once Microsoft stops throttling: it works, the refresh token was kept.
  const again = await cli(['token', 'refresh', 'inbox']);
  assert.equal(again.code, 0, again.stderr);
});

test('item 4: token status --check sees a revocation at once; a transient failure keeps the good token; the fix works', async () => {
  const store = await home.openStore();
  const rtBefore = (await store.getTokenState('inbox'))?.refreshToken?.reveal();
  await store.close();
  // A transient failure during the check: nothing lost, status still Available.
  const fault = emulator.admin.addFault({ kind: 'server_error', status: 503, retryAfterSeconds: 0, grantType: 'refresh_token', times: 4 });
  const flaky = await cli(['token', 'status', 'inbox', '--check'], { MAILBRIDGE_TOKEN_TIMEOUT: '30' });
  emulator.admin.removeFault(fault.id);
  assert.equal(flaky.code, 1);
  assert.match(flaky.stdout, /status +Available/);
  assert.match(flaky.stdout, /checked .*transient, status and tokens kept/);
  const kept = await home.openStore();
  assert.equal((await kept.getTokenState('inbox'))?.refreshToken?.reveal(), rtBefore);
  await kept.close();

  emulator.admin.revokeUser(SANDBOX.alice);
  const stale = await cli(['token', 'status', 'inbox']);
  assert.match(stale.stdout, /status +Available/, 'the stored status cannot know yet');
  const checked = await cli(['token', 'status', 'inbox', '--check']);
  assert.equal(checked.code, 1);
  assert.match(checked.stdout, /status +Revoked/);
  const fix = /Fix: run `(mailbridge auth inbox)`/.exec(checked.stdout);
  assert.ok(fix, checked.stdout);
  await consent('inbox');
  const good = await cli(['token', 'status', 'inbox', '--check']);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /status +Available/);
  assert.match(good.stdout, /checked .*issued a new access token/);
});

test('item 8: app-only resources say "app-only token"; auth --device leaves flow device_code', async () => {
  const list = await cli(['resource', 'list']);
  assert.match(list.stdout, /TOKEN STATUS/);
  assert.match(list.stdout, /^app .*\(app-only token\)$/m);
  assert.match(list.stdout, /^inbox .*Available \(refresh token\)$/m);
  const show = await cli(['resource', 'show', 'app']);
  assert.match(show.stdout, /OAuth app-only token status/);

  let started = false;
  const device = await runCli(['auth', 'dev', '--device'], home.env, {
    onStdout: (out) => {
      const m = /open the page (\S+) and enter the code (\S+) /.exec(out);
      if (!m || started) return;
      started = true;
      void completeDeviceLogin(m[1]!, m[2]!, { username: SANDBOX.alice, password: SANDBOX.password });
    },
  });
  outputs.push(device.stdout, device.stderr);
  assert.equal(device.code, 0, device.stderr);
  assert.match(device.stdout, /dev: refresh token status Available \(device_code, via device\)/);
  const status = await cli(['token', 'status', 'dev']);
  assert.match(status.stdout, /flow +device_code/);
});

test('item 8: Gmail asked for client credentials or device code gets Google\'s reason; following the fix works', async () => {
  const gmail = ['resource', 'add', 'gm', '--preset', 'gmail', '--kind', 'imap', '--client-id', 'cid.apps.googleusercontent.com',
    '--user', 'someone@gmail.com', '--client-auth', 'none'];
  for (const flow of ['client_credentials', 'device_code']) {
    const run = await cli([...gmail, '--flow', flow]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\(GMAIL_FLOW_UNSUPPORTED\)/);
    assert.doesNotMatch(run.stderr, /microsoft|AADSTS|Entra/i);
    assert.match(run.stderr, /--flow authorization_code/);
  }
  const ok = await cli([...gmail, '--flow', 'authorization_code']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('item 8: a generic resource without its host names --host; adding it works', async () => {
  const generic = ['resource', 'add', 'gen', '--preset', 'generic', '--kind', 'imap', '--authorize-url', 'https://id.example.net/authorize',
    '--token-url', 'https://id.example.net/token', '--client-id', 'cid', '--scope', 'mail', '--client-auth', 'none', '--user', 'u@example.net'];
  const run = await cli(generic);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Fix: give the mail server: --host HOST --port PORT --secure tls\|starttls/);
  const ok = await cli([...generic, '--host', 'imap.example.net', '--port', '993', '--secure', 'tls']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('no hint printed in this file has a placeholder where the resource name belongs', () => {
  assert.doesNotMatch(outputs.join('\n'), /`mailbridge [^`]*\b(RESOURCE|NAME)\b/);
});
