/**
 * Fault suite, security sweep (named zz- to run last in its directory): a whole scenario
 * against the shared rig — consent, refresh, send, list, fetch, the CLI with
 * MAILBRIDGE_LOG=debug — then every byte it left behind (the store file and its WAL, the
 * logs, every CLI output) is scanned for the client secret, refresh tokens and access
 * tokens. Then: a tampered sealed secret is detected, EVERY documented API route refuses an
 * unauthenticated call, and a callback with a foreign state is refused.
 * (test/auth/token-manager.test.ts and test/store/backends.test.ts scan the store for their
 * own tokens; test/server/auth.test.ts and oauth.test.ts check a few routes and states.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { StoreError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { SANDBOX } from '@mailbridge/sandbox';
import type { Store } from '../../src/store/store.js';
import { cliHome, PROJECT_ROOT } from '../auth/support.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { startService, type Service } from '../server/support.js';
import { cliEntry } from '../helpers/cli.js';

interface Run { code: number; stdout: string; stderr: string }

let rig: Rig;
let home: Awaited<ReturnType<typeof cliHome>>;
/** Every output and log line of the scenario, to scan. */
const captured: string[] = [];
/** Every secret the scenario handled. */
const secrets = new Set<string>([SANDBOX.clientSecret]);

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: PROJECT_ROOT, env: { ...process.env, ...home.env, MAILBRIDGE_LOG: 'debug', MAILBRIDGE_DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mailbridge ${args.join(' ')} timed out`)); }, 60_000);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => {
      clearTimeout(timer);
      captured.push(stdout, stderr);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function collectSecrets(store: Store): Promise<void> {
  for (const name of ['in', 'out']) {
    const rt = (await store.getTokenState(name))?.refreshToken?.reveal();
    if (rt) secrets.add(rt);
    const at = await store.getAccessToken(name, OUTLOOK_RESOURCE);
    if (at) secrets.add(at.token.reveal());
    const cs = await store.getSecret(name, 'client_secret');
    if (cs) secrets.add(cs.reveal());
  }
}

before(async () => {
  rig = loadRig();
  home = await cliHome();
  const store = await home.openStore();
  let logs = '';
  const logger = createLogger({ level: 'debug', destination: new Writable({ write(c, _e, cb) { logs += String(c); cb(); } }) });
  try {
    await consentedResource(rig, 'imap', { store, name: 'in' });
    await consentedResource(rig, 'smtp', { store, name: 'out' });
    await collectSecrets(store);
    // A refresh in this process, with a debug logger whose output is scanned too.
    const t = await new TokenManager({ store, logger }).getAccessToken('in', { forceRefresh: true });
    secrets.add(t.token.reveal());
    await collectSecrets(store);
  } finally {
    await store.close();
    captured.push(logs);
  }
}, { timeout: 90_000 });
after(async () => { await home?.remove(); });

test('a full scenario leaves no secret or token in the store file, its WAL, the logs or any CLI output', { timeout: 180_000 }, async () => {
  const subject = `sweep ${Date.now()}`;
  const sent = await cli(['send', 'out', '--to', SANDBOX.alice, '--subject', subject, '--text', 'secret-free body']);
  assert.equal(sent.code, 0, sent.stderr);
  await rig.waitForMessages(SANDBOX.alice, 1);
  for (const args of [['token', 'refresh', 'in'], ['token', 'status', 'in'], ['--json', 'token', 'status', 'out'], ['resource', 'show', 'in'],
    ['--json', 'resource', 'show', 'out'], ['resource', 'export'], ['--json', 'list', 'in', '--subject', subject], ['fetch', 'in', '--subject', subject, '--save', join(home.home, 'saved')]]) {
    const r = await cli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  }
  // A failing command prints its error path too (an unknown message id).
  assert.equal((await cli(['get', 'in', '999999999'])).code, 1);
  assert.ok(captured.join('\n').includes('"level":20'), 'debug logging was on');

  const store = await home.openStore();
  try {
    await collectSecrets(store);
  } finally {
    await store.close();
  }
  assert.ok(secrets.size >= 5, `collected ${secrets.size} secrets`);

  const files = (await readdir(home.home)).filter((f) => /\.db(-wal|-shm)?$/.test(f));
  assert.ok(files.some((f) => f.endsWith('.db')), `the store file is in ${home.home}: ${files.join(', ')}`);
  const blobs: [string, string][] = [];
  for (const f of files) blobs.push([f, await readFile(join(home.home, f), 'latin1')]);
  for (const f of await readdir(join(home.home, 'saved'))) if (f.startsWith('.mailbridge')) blobs.push([f, await readFile(join(home.home, 'saved', f), 'latin1')]);
  captured.forEach((c, i) => blobs.push([`output ${i}`, c]));
  for (const secret of secrets) {
    // Tokens are long: a fragment is as bad as the whole. The client secret is checked whole.
    const needles = secret.length > 60 ? [secret, secret.slice(20, 60)] : [secret];
    for (const [where, text] of blobs) {
      for (const n of needles) assert.equal(text.includes(n), false, `a secret (${secret.slice(0, 4)}…, ${secret.length} chars) is readable in ${where}`);
    }
  }
});

test('a tampered sealed secret is detected: the store refuses it (SEAL_TAMPERED), the CLI says so in one line', { timeout: 90_000 }, async () => {
  const dbFile = (await readdir(home.home)).find((f) => f.endsWith('.db'));
  assert.ok(dbFile);
  const db = new Database(join(home.home, dbFile));
  try {
    const row = db.prepare("SELECT sealed FROM secrets WHERE resource = 'in' AND kind = 'client_secret'").get() as { sealed: string };
    const raw = Buffer.from(row.sealed, 'base64');
    raw[raw.length - 3]! ^= 0x01; // one bit of the ciphertext
    db.prepare("UPDATE secrets SET sealed = ? WHERE resource = 'in' AND kind = 'client_secret'").run(raw.toString('base64'));
  } finally {
    db.close();
  }
  const store = await home.openStore();
  try {
    await assert.rejects(store.getSecret('in', 'client_secret'), (e: unknown) => e instanceof StoreError && e.code === 'SEAL_TAMPERED' && e.hint.length > 0);
  } finally {
    await store.close();
  }
  const r = await cli(['token', 'refresh', 'in']);
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('mailbridge: '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /SEAL_TAMPERED.*Fix: /);
});

let svc: Service;

test('every documented API route refuses a call without a key (401); a callback with a foreign state is refused', { timeout: 60_000 }, async () => {
  svc = await startService();
  try {
    const doc = await svc.api('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    const paths = doc.json.paths as Record<string, Record<string, unknown>>;
    // Graph's change-notification endpoints are public by design (Graph sends no key); every notification there must
    // carry its subscription's clientState or it is dropped (test/triggers/graph-notify.test.ts).
    const PUBLIC = new Set(['/health', '/oauth/callback', '/', '/notifications/graph/{trigger}', '/notifications/graph/{trigger}/lifecycle']);
    let checked = 0;
    for (const [p, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const url = p.replace(/\{[^}]+\}/g, 'x');
        for (const authorization of [undefined, 'Bearer mbk_forged', 'Basic YWRtaW46YWRtaW4=']) {
          const res = await svc.server.app.inject({ method: method.toUpperCase() as 'GET', url, ...(authorization ? { headers: { authorization } } : {}) });
          if (PUBLIC.has(p)) continue;
          assert.equal(res.statusCode, 401, `${method.toUpperCase()} ${url} with ${authorization ?? 'no key'}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 30, `${checked} route × credential checks`);
    // The document itself is public (issue 20: integration platforms import it by URL); it holds no secrets.
    assert.equal((await svc.server.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200);
    for (const [p, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods as Record<string, { security?: unknown[] }>)) {
        assert.equal(PUBLIC.has(p), Array.isArray(op.security) && op.security.length === 0, `${method} ${p}: documented security matches`);
      }
    }

    const foreign = await svc.server.app.inject({ method: 'GET', url: '/oauth/callback?code=stolen-code&state=attacker-state' });
    assert.equal(foreign.statusCode, 400);
    assert.match((JSON.parse(foreign.body) as { error: { code: string } }).error.code, /^STATE_/);
  } finally {
    await svc.close();
  }
});
