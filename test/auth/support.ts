/**
 * Wiring for the auth tests: the real identity emulator on a random port, a temporary
 * SQLite store sealed with a random key, resources made with the m365 preset pointing at
 * the emulator, and a logger whose output the test can search for leaked secrets.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { authorize, type AuthorizeResult, type ConsentIO } from '../../src/auth/consent.js';
import { TokenManager, type TokenManagerOptions } from '../../src/auth/token-manager.js';
import { applyPreset, type PresetInput } from '../../src/config/presets.js';
import type { Resource } from '../../src/config/resource.js';
import { parseResource } from '../../src/config/validate.js';
import { createLogger, type Logger } from '../../src/log.js';
import { SANDBOX, startIdentityEmulator, type IdentityEmulator, type IdentitySeed, defaultSeed } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openStore } from '../../src/store/open.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { completeConsent, completeDeviceLogin } from '../helpers/consent.js';
import { cliEntry } from '../helpers/cli.js';

export { SANDBOX };

export interface AuthTestEnv {
  emulator: IdentityEmulator;
  store: Store;
  dbPath: string;
  dir: string;
  logger: Logger;
  /** Everything the logger wrote. */
  logs(): string;
  manager(opts?: Partial<TokenManagerOptions>): TokenManager;
  /** Add a resource (m365 preset against the emulator) and its client secret. */
  addResource(input: Partial<PresetInput> & { name: string; kind: PresetInput['kind'] }, secret?: string | null): Promise<Resource>;
  close(): Promise<void>;
}

/** Fast retries for the tests: still bounded and growing, just not seconds long. */
export const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5_000 };

export async function startAuthTestEnv(opts: { seed?: IdentitySeed; now?: () => number } = {}): Promise<AuthTestEnv> {
  const seed = opts.seed ?? defaultSeed();
  seed.options.deviceCodeIntervalSeconds = 1;
  const emulator = await startIdentityEmulator({ seed, ...(opts.now ? { now: opts.now } : {}) });
  const dir = await mkdtemp(join(tmpdir(), 'mb-auth-'));
  const dbPath = join(dir, 'mailbridge.db');
  const store = openSqliteStore({ path: dbPath, sealer: createSealer(randomBytes(32)), ...(opts.now ? { now: opts.now } : {}) });
  let captured = '';
  const sink = new Writable({ write(chunk, _enc, cb) { captured += String(chunk); cb(); } });
  const logger = createLogger({ level: 'debug', destination: sink });
  return {
    emulator, store, dbPath, dir, logger,
    logs: () => captured,
    manager: (o = {}) => new TokenManager({ store, logger, retry: FAST_RETRY, ...(opts.now ? { now: opts.now } : {}), ...o }),
    addResource: (input, secret = SANDBOX.clientSecret) => putEmulatorResource(store, emulator, input, secret),
    async close() {
      await store.close();
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type SignInMode = 'paste' | 'listener' | 'device';

/**
 * Run `authorize` for a resource the way a person would: the consent pages are driven by
 * the shared helper; in paste mode the redirected URL is "pasted", with the listener it is
 * delivered to our loopback listener like a browser would (GET, or POST for form_post).
 */
export async function signIn(
  env: AuthTestEnv, name: string,
  opts: { mode?: SignInMode; username?: string; accept?: boolean; manager?: TokenManager } = {},
): Promise<AuthorizeResult> {
  const user = { username: opts.username ?? SANDBOX.alice, password: SANDBOX.password };
  const manager = opts.manager ?? env.manager();
  const mode = opts.mode ?? 'paste';
  const consentOpts = opts.accept === false ? { accept: false } : {};
  let authorizeUrl = '';
  let consent: Promise<unknown> = Promise.resolve();
  const io: ConsentIO = {
    print: () => undefined,
    onAuthorizeUrl: (url) => {
      authorizeUrl = url;
      if (mode !== 'listener') return;
      const formPost = new URL(url).searchParams.get('response_mode') === 'form_post';
      consent = completeConsent(url, user, consentOpts).then((u) => deliverToListener(u, formPost));
    },
    readRedirectUrl: async () => (await completeConsent(authorizeUrl, user, consentOpts)).toString(),
    onDeviceCode: (d) => { consent = completeDeviceLogin(d.verificationUri, d.userCode, user, consentOpts); },
  };
  try {
    return await authorize(manager, name, { mode: mode === 'device' ? 'device' : mode === 'paste' ? 'paste' : 'auto', io, timeoutMs: 20_000 });
  } finally {
    await consent.catch(() => undefined);
  }
}

/** What the browser does with the emulator's answer: follow the redirect, or auto-submit form_post. */
export async function deliverToListener(redirect: URL, formPost = false): Promise<void> {
  if (formPost) {
    const target = new URL(redirect.pathname, redirect.origin);
    await fetch(target, { method: 'POST', body: new URLSearchParams(redirect.searchParams) });
  } else {
    await fetch(redirect);
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `node --import tsx src/cli/main.ts ARGS` as a user would. `onStdout` sees output as
 * it comes (to pick the authorize URL and answer on stdin); stdin is closed unless
 * `keepStdin`, in which case `child.stdin` is handed to onStdout.
 */
export function runCli(
  args: string[], env: NodeJS.ProcessEnv,
  opts: { onStdout?: (soFar: string, stdin: NodeJS.WritableStream) => void; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: PROJECT_ROOT, env: { ...process.env, CI: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mailbridge ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, opts.timeoutMs ?? 60_000);
    if (!opts.onStdout) child.stdin.end();
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); opts.onStdout?.(stdout, child.stdin); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
  });
}

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A MAILBRIDGE_HOME with a random key, for CLI tests; the store is opened the way the CLI does. */
export async function cliHome(): Promise<{ home: string; env: NodeJS.ProcessEnv; openStore(): Promise<Store>; remove(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'mb-cli-'));
  const env = { MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: randomBytes(32).toString('base64') };
  return {
    home, env,
    openStore: () => openStore({ home, env }),
    remove: () => rm(home, { recursive: true, force: true }),
  };
}

/** Put an m365 resource pointing at the emulator into a store (the resource CLI's job, done directly). */
export async function putEmulatorResource(
  store: Store, emulator: IdentityEmulator, input: Partial<PresetInput> & { name: string; kind: PresetInput['kind'] }, secret: string | null = SANDBOX.clientSecret,
): Promise<Resource> {
  const resource = parseResource(applyPreset({
    preset: 'm365', tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId, authorityUrl: emulator.url,
    mailHost: '127.0.0.1', user: SANDBOX.alice, ...input,
  } as PresetInput));
  await store.putResource(resource);
  if (secret !== null) await store.putSecret(resource.name, 'client_secret', new Secret(secret));
  return resource;
}
