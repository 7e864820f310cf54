import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { cliHome, putEmulatorResource, runCli, SANDBOX } from '../auth/support.js';
import { completeConsent } from '../helpers/consent.js';

let emulator: IdentityEmulator;
let home: Awaited<ReturnType<typeof cliHome>>;
const outputs: string[] = [];
/** Refresh tokens seen in the store along the way. */
const refreshTokens: string[] = [];
const refreshes = (): number => emulator.stats().tokenRequestsByGrant.refresh_token ?? 0;

async function cli(...args: string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  // Debug logs on: they must not leak anything either.
  const run = await runCli(args, { ...home.env, MAILBRIDGE_LOG: 'debug' });
  outputs.push(run.stdout, run.stderr);
  return run;
}

before(async () => {
  emulator = await startIdentityEmulator();
  home = await cliHome();
  const store = await home.openStore();
  await putEmulatorResource(store, emulator, { name: 'inbox', kind: 'imap' });
  await putEmulatorResource(store, emulator, { name: 'fresh', kind: 'imap' });
  await store.close();
  let answered = false;
  const run = await runCli(['auth', 'inbox', '--paste'], home.env, {
    onStdout: (out, stdin) => {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/\S+\/authorize\?\S+)/.exec(out)?.[1];
      if (!url || answered) return;
      answered = true;
      void completeConsent(url, { username: SANDBOX.alice, password: SANDBOX.password }).then((u) => stdin.end(`${u.toString()}\n`));
    },
  });
  assert.equal(run.code, 0, run.stderr);
});
after(async () => {
  await emulator.close();
  await home.remove();
});

test('token status: text and --json', async () => {
  const text = await cli('token', 'status', 'inbox');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /status +Available/);
  assert.match(text.stdout, /access token +https:\/\/outlook\.office365\.com: valid until/);
  const json = await cli('token', 'status', 'inbox', '--json');
  const report = JSON.parse(json.stdout) as { status: string; accessTokens: { audience: string; expiresAt: string }[]; warnings: string[] };
  assert.equal(report.status, 'Available');
  assert.equal(report.accessTokens[0]?.audience, 'https://outlook.office365.com');
  const never = JSON.parse((await cli('--json', 'token', 'status', 'fresh')).stdout) as { status: string; reason: string };
  assert.equal(never.status, 'Missing');
  assert.match(never.reason, /no consent/);
});

test('token print: masked by default, the token itself only with --reveal', async () => {
  const masked = await cli('token', 'print', 'inbox');
  assert.equal(masked.code, 0, masked.stderr);
  assert.match(masked.stdout, /token +\S{3}…\(\d+ chars\)/);
  assert.match(masked.stdout, /scp +.*IMAP\.AccessAsUser\.All/);
  const revealed = await cli('token', 'print', 'inbox', '--reveal');
  const token = revealed.stdout.trim();
  assert.equal(token.split('.').length, 3);
  assert.equal(decodeJwt(token).aud, 'https://outlook.office365.com');
  assert.equal(masked.stdout.includes(token), false);
  assert.equal(masked.stdout.includes(token.slice(0, 30)), false);
  outputs.splice(outputs.indexOf(revealed.stdout), 1); // the one output allowed to hold a token
});

test('token refresh: one request, new access token; a refused refresh is one line with the fix and marks the status', async () => {
  const before = refreshes();
  const ok = await cli('token', 'refresh', 'inbox');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(refreshes() - before, 1);
  assert.match(ok.stdout, /inbox: refresh token status Available; access token for https:\/\/outlook\.office365\.com valid until/);
  const store = await home.openStore();
  const rt = (await store.getTokenState('inbox'))?.refreshToken?.reveal();
  await store.close();
  assert.ok(rt);
  refreshTokens.push(rt);

  const fault = emulator.admin.addFault({ kind: 'refresh_token_expired', times: 1 });
  // Default log level: what a person sees is exactly one line, with Microsoft's ids for support.
  const bad = await runCli(['token', 'refresh', 'inbox'], home.env);
  outputs.push(bad.stdout, bad.stderr);
  emulator.admin.removeFault(fault.id);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /^mailbridge: the refresh token expired after 90 days without use \(Microsoft: invalid_grant\) \[trace ID [\w-]+, correlation ID [\w-]+\] \(AADSTS700082\)\. Fix: run `mailbridge auth inbox`/);
  const status = JSON.parse((await cli('token', 'status', 'inbox', '--json')).stdout) as { status: string; code: string };
  assert.equal(status.status, 'Expired');
  assert.equal(status.code, 'AADSTS700082');
  // Without the fault, `token refresh` retries the kept refresh token and recovers.
  const again = await cli('token', 'refresh', 'inbox');
  assert.equal(again.code, 0, again.stderr);
});

test('token revoke: Missing, and says Microsoft has no per-token revocation', async () => {
  const run = await cli('token', 'revoke', 'inbox');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /status Missing/);
  assert.match(run.stdout, /no endpoint to revoke one refresh token/);
  const print = await cli('token', 'print', 'inbox');
  assert.equal(print.code, 1);
  assert.match(print.stderr, /\(REFRESH_TOKEN_MISSING\)\. Fix: run `mailbridge auth inbox`/);
});

test('no secret in plaintext in the database file or any output', async () => {
  const secrets = [SANDBOX.clientSecret, ...refreshTokens];
  assert.ok(refreshTokens.length > 0);
  let bytes = '';
  for (const f of ['mailbridge.db', 'mailbridge.db-wal']) bytes += await readFile(join(home.home, f), 'latin1').catch(() => '');
  assert.ok(bytes.length > 0);
  const all = outputs.join('\n');
  assert.match(all, /"level":20/, 'debug logs were captured');
  for (const s of secrets) {
    assert.equal(bytes.includes(s), false);
    assert.equal(all.includes(s), false);
  }
  // No JWT-looking value anywhere in the outputs we kept.
  assert.equal(/eyJ[\w-]{10,}\.[\w-]{10,}\./.test(all), false);
});
