/**
 * The shared mail test rig (scripts/rig/start.sh): where its servers listen, and small
 * wiring for tests — minting tokens at the identity emulator, fresh mailboxes, putting mail
 * into a mailbox, reading a mailbox with doveadm, and ready-made resources pointing at it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { AccessTokenProvider } from '../../src/auth/token-provider.js';
import { resourceSchema, type Resource, type ResourceInput, type ResourceKind, type SecureMode } from '../../src/config/resource.js';
import { Secret } from '../../src/secret.js';

const run = promisify(execFile);

export const OUTLOOK = 'https://outlook.office365.com';
export const RIG_DOMAIN = 'contoso.onmicrosoft.com';

export interface Rig {
  dir: string;
  host: string;
  imap: { host: string; port: number; starttlsPort: number };
  pop3: { host: string; port: number; starttlsPort: number };
  smtp: { host: string; submissionPort: number; smtpsPort: number; injectPort: number };
  lmtpPort: number;
  caFile: string;
  caPem: string;
  emulatorUrl: string;
  tenantId: string;
  /** Basic auth (USER/PASS, LOGIN) works for every rig mailbox with this password. */
  basicPassword: Secret;
  /** Runs doveadm against the rig's Dovecot, e.g. ['expunge', '-u', user, 'mailbox', 'INBOX', 'all']. */
  doveadm(args: string[]): Promise<string>;
  /** An access token from the emulator's test mint endpoint (default audience Outlook). */
  mintToken(username: string, audience?: string, scope?: string, opts?: { expiresInSeconds?: number }): Promise<Secret>;
  /** Makes `username` a user of the emulator (mintToken does this itself); password = basicPassword. */
  ensureUser(username: string): Promise<void>;
  /** Revokes the user's sessions at the emulator: their access tokens then introspect inactive. */
  revokeUser(username: string): Promise<void>;
  /** A fresh address no other test uses, so tests never see each other's mail. */
  uniqueMailbox(): string;
  /** Stores a raw message in `to`'s INBOX over LMTP; done when Dovecot has saved it. */
  deliver(to: string, raw: string | Buffer, from?: string): Promise<void>;
  /** Waits until `user`'s mailbox holds `count` messages (mail sent through Postfix is queued first). */
  waitForMessages(user: string, count: number, mailbox?: string): Promise<void>;
  /** Number of messages in `user`'s mailbox, per Dovecot. */
  countMessages(user: string, mailbox?: string): Promise<number>;
  /** A parsed Resource for a rig server (TLS verified against the rig CA unless overridden). */
  resource(kind: Extract<ResourceKind, 'imap' | 'pop3' | 'smtp'>, user: string, opts?: { secure?: SecureMode } & Partial<ResourceInput>): Resource;
}

const envSchema = z.object({
  MAILRIG_DIR: z.string(),
  MAILRIG_HOST: z.string(),
  MAILRIG_IMAP_PORT: z.coerce.number().int(),
  MAILRIG_IMAPS_PORT: z.coerce.number().int(),
  MAILRIG_POP3_PORT: z.coerce.number().int(),
  MAILRIG_POP3S_PORT: z.coerce.number().int(),
  MAILRIG_LMTP_PORT: z.coerce.number().int(),
  MAILRIG_SMTP_SUBMISSION_PORT: z.coerce.number().int(),
  MAILRIG_SMTPS_PORT: z.coerce.number().int(),
  MAILRIG_SMTP_INJECT_PORT: z.coerce.number().int(),
  MAILRIG_CA_FILE: z.string(),
  MAILRIG_EMULATOR_URL: z.string().url(),
  MAILRIG_TENANT_ID: z.string(),
  MAILRIG_BASIC_PASSWORD: z.string(),
  MAILRIG_DOVEADM: z.string(),
});

/** Parses rig.env (KEY=value or KEY='value' lines, as start.sh writes them). */
function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = (m[2] ?? '').replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** Where rig.env is: $MAILRIG_DIR or $RIG_DIR, else the default /tmp/mbrig. */
function rigEnvFile(): string {
  return `${process.env.MAILRIG_DIR ?? process.env.RIG_DIR ?? '/tmp/mbrig'}/rig.env`;
}

const mintResponseSchema = z.object({ access_token: z.string().min(1) });

/** The running rig, or a thrown error that says how to start it. */
export function loadRig(): Rig {
  const file = rigEnvFile();
  if (!existsSync(file)) {
    throw new Error(`the mail test rig is not running (no ${file}). Start it with: bash scripts/rig/start.sh (or run the tests through bash scripts/test.sh, which does)`);
  }
  const parsed = envSchema.safeParse({ ...readEnvFile(file), ...pick(process.env) });
  if (!parsed.success) throw new Error(`${file} is incomplete (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}): restart the rig with bash scripts/rig/stop.sh && bash scripts/rig/start.sh`);
  const env = parsed.data;
  const host = env.MAILRIG_HOST;
  const [doveadmBin, ...doveadmBase] = env.MAILRIG_DOVEADM.split(' ');
  const knownUsers = new Set<string>();
  const admin = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${env.MAILRIG_EMULATOR_URL}/_admin${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator admin ${path}: HTTP ${res.status} ${await res.text()}`);
  };

  const rig: Rig = {
    dir: env.MAILRIG_DIR,
    host,
    imap: { host, port: env.MAILRIG_IMAPS_PORT, starttlsPort: env.MAILRIG_IMAP_PORT },
    pop3: { host, port: env.MAILRIG_POP3S_PORT, starttlsPort: env.MAILRIG_POP3_PORT },
    smtp: { host, submissionPort: env.MAILRIG_SMTP_SUBMISSION_PORT, smtpsPort: env.MAILRIG_SMTPS_PORT, injectPort: env.MAILRIG_SMTP_INJECT_PORT },
    lmtpPort: env.MAILRIG_LMTP_PORT,
    caFile: env.MAILRIG_CA_FILE,
    caPem: readFileSync(env.MAILRIG_CA_FILE, 'utf8'),
    emulatorUrl: env.MAILRIG_EMULATOR_URL,
    tenantId: env.MAILRIG_TENANT_ID,
    basicPassword: new Secret(env.MAILRIG_BASIC_PASSWORD),

    async doveadm(args) {
      const { stdout } = await run(doveadmBin ?? 'doveadm', [...doveadmBase, ...args]);
      return stdout;
    },

    async ensureUser(username) {
      if (knownUsers.has(username.toLowerCase())) return;
      await admin('/users', { username, password: env.MAILRIG_BASIC_PASSWORD });
      knownUsers.add(username.toLowerCase());
    },

    async revokeUser(username) {
      await admin('/revoke', { username });
    },

    async mintToken(username, audience = OUTLOOK, scope, opts = {}) {
      await rig.ensureUser(username);
      const res = await fetch(`${env.MAILRIG_EMULATOR_URL}/_admin/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, audience, ...(scope ? { scope } : {}), ...opts }),
      });
      if (!res.ok) throw new Error(`the emulator refused to mint a token: HTTP ${res.status} ${await res.text()}`);
      return new Secret(mintResponseSchema.parse(await res.json()).access_token);
    },

    uniqueMailbox() {
      return `t${randomBytes(6).toString('hex')}@${RIG_DOMAIN}`;
    },

    async deliver(to, raw, from = 'sender@example.test') {
      const lmtp = nodemailer.createTransport({ host, port: env.MAILRIG_LMTP_PORT, lmtp: true, secure: false, ignoreTLS: true });
      try {
        await lmtp.sendMail({ envelope: { from, to: [to] }, raw });
      } finally {
        lmtp.close();
      }
    },

    async countMessages(user, mailbox = 'INBOX') {
      const out = await rig.doveadm(['search', '-u', user, 'mailbox', mailbox, 'all']);
      return out.split('\n').filter((l) => l.trim()).length;
    },

    async waitForMessages(user, count, mailbox = 'INBOX') {
      const deadline = Date.now() + 15_000;
      let seen = 0;
      while (Date.now() < deadline) {
        seen = await rig.countMessages(user, mailbox);
        if (seen >= count) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${user}/${mailbox} has ${seen} messages after 15 s, expected ${count} (see ${env.MAILRIG_DIR}/log/postfix.log)`);
    },

    resource(kind, user, opts = {}) {
      const { secure = kind === 'smtp' ? 'starttls' : 'tls', ...rest } = opts;
      const port = {
        imap: { tls: env.MAILRIG_IMAPS_PORT, starttls: env.MAILRIG_IMAP_PORT, none: env.MAILRIG_IMAP_PORT },
        pop3: { tls: env.MAILRIG_POP3S_PORT, starttls: env.MAILRIG_POP3_PORT, none: env.MAILRIG_POP3_PORT },
        smtp: { tls: env.MAILRIG_SMTPS_PORT, starttls: env.MAILRIG_SMTP_SUBMISSION_PORT, none: env.MAILRIG_SMTP_INJECT_PORT },
      }[kind][secure];
      return resourceSchema.parse({
        name: `rig-${kind}`,
        kind,
        server: { host, port, secure },
        user,
        ...(kind === 'smtp' ? { from: user } : {}),
        authType: 'oauth2',
        tls: { caFile: env.MAILRIG_CA_FILE },
        ...rest,
      });
    },
  };
  return rig;
}

/** The rig, or undefined when it is not running (for tests that skip without it). */
export function tryLoadRig(): Rig | undefined {
  return existsSync(rigEnvFile()) ? loadRig() : undefined;
}

function pick(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('MAILRIG_') && e[1] !== undefined));
}

/**
 * An AccessTokenProvider minting at the emulator, for tests: `tokens` scripts what each call
 * returns (e.g. an expired token first, then a good one on forceRefresh); `calls` records them.
 */
export function mintingProvider(
  rig: Rig,
  user: string,
  opts: { audience?: string; scope?: string; firstExpiresInSeconds?: number } = {},
): AccessTokenProvider & { calls: { forceRefresh: boolean }[] } {
  const calls: { forceRefresh: boolean }[] = [];
  let current: Secret | undefined;
  return {
    calls,
    async getAccessToken(o = {}) {
      calls.push({ forceRefresh: o.forceRefresh === true });
      if (!current || o.forceRefresh) {
        const first = calls.length === 1 && opts.firstExpiresInSeconds !== undefined;
        current = await rig.mintToken(user, opts.audience, opts.scope, first ? { expiresInSeconds: opts.firstExpiresInSeconds } : {});
      }
      return current;
    },
  };
}
