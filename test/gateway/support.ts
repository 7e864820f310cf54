/**
 * A gateway for tests: the real SMTP gateway and delivery worker over a fresh SQLite (or
 * PostgreSQL) store, and the outside clients that talk to it (swaks, msmtp, Python's smtplib),
 * run as child processes. Outcomes of the delivery worker are events to wait for.
 */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenManager } from '../../src/auth/token-manager.js';
import type { GatewayConfigInput } from '../../src/gateway/config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway.js';
import type { SpoolOutcome } from '../../src/gateway/spool.js';
import type { Store } from '../../src/store/store.js';

export interface TestGateway {
  gw: RunningGateway;
  outcomes: SpoolOutcome[];
  /** The first outcome (past or future) for which `pred` holds. */
  waitFor(pred: (o: SpoolOutcome) => boolean): Promise<SpoolOutcome>;
  close(): Promise<void>;
}

export async function startTestGateway(o: {
  store: Store;
  tokens: TokenManager;
  home: string;
  config?: GatewayConfigInput;
}): Promise<TestGateway> {
  const outcomes: SpoolOutcome[] = [];
  const events = new EventEmitter();
  const config: GatewayConfigInput = {
    hostname: 'gw.test',
    ...o.config,
    smtp: { port: 0, tlsPort: 0, ...o.config?.smtp },
    delivery: { retryBaseMs: 50, retryMaxMs: 500, ...o.config?.delivery },
  };
  const gw = await startGateway(config, {
    store: o.store,
    tokens: o.tokens,
    home: o.home,
    onOutcome: (x) => {
      outcomes.push(x);
      events.emit('outcome', x);
    },
  });
  return {
    gw,
    outcomes,
    waitFor(pred) {
      const seen = outcomes.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const on = (x: SpoolOutcome) => {
          if (!pred(x)) return;
          events.off('outcome', on);
          resolve(x);
        };
        events.on('outcome', on);
      });
    },
    close: () => gw.close(),
  };
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an outside client; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runClient(cmd: string, args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** swaks against the gateway: STARTTLS on `port` (or TLS on connect), AUTH PLAIN unless told otherwise. */
export function swaks(o: {
  port: number;
  tlsOnConnect?: boolean;
  user?: string;
  password?: string;
  auth?: 'PLAIN' | 'LOGIN';
  from: string;
  to: string[];
  data: Buffer;
}): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-swaks-'));
  const file = join(dir, 'message.eml');
  writeFileSync(file, o.data);
  return runClient('swaks', [
    '--server',
    '127.0.0.1',
    '--port',
    String(o.port),
    o.tlsOnConnect ? '--tls-on-connect' : '--tls',
    ...(o.user ? ['--auth', o.auth ?? 'PLAIN', '--auth-user', o.user, '--auth-password', o.password ?? ''] : []),
    '--from',
    o.from,
    ...o.to.flatMap((t) => ['--to', t]),
    '--data',
    `@${file}`,
    '--helo',
    'printer.test',
  ]);
}

/**
 * Python's smtplib: STARTTLS (trusting the gateway's certificate file), login, sendmail of the
 * bytes given in hex; prints `OK` or the SMTP error's class, code and text.
 */
export function pythonSend(o: {
  port: number;
  caFile: string;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  data: Buffer;
  starttls?: boolean;
}): Promise<Ran> {
  const script = [
    'import smtplib, ssl, sys, json',
    'a = json.loads(sys.stdin.read())',
    'ctx = ssl.create_default_context(cafile=a["ca"])',
    'try:',
    '    s = smtplib.SMTP("127.0.0.1", a["port"], timeout=60)',
    '    s.ehlo("script.test")',
    '    if a["starttls"]:',
    '        s.starttls(context=ctx); s.ehlo("script.test")',
    '    if a["user"]:',
    '        s.login(a["user"], a["password"])',
    '    s.sendmail(a["from"], a["to"], bytes.fromhex(a["data"]))',
    '    s.quit()',
    '    print("OK")',
    'except smtplib.SMTPRecipientsRefused as e:',
    '    code, msg = list(e.recipients.values())[0]; print("SMTPRecipientsRefused", code, msg.decode())',
    'except smtplib.SMTPResponseException as e:',
    '    print(type(e).__name__, e.smtp_code, e.smtp_error.decode())',
  ].join('\n');
  const input = JSON.stringify({
    ca: o.caFile,
    port: o.port,
    user: o.user ?? '',
    password: o.password ?? '',
    from: o.from,
    to: o.to,
    data: o.data.toString('hex'),
    starttls: o.starttls ?? true,
  });
  // Debian's interpreter: a version manager's shim (pyenv) costs seconds per start.
  return runClient(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', script], input);
}

/** msmtp with implicit TLS, pinned to the gateway's SHA-256 fingerprint (no CA needed), AUTH LOGIN. */
export function msmtp(o: {
  port: number;
  fingerprint: string;
  user: string;
  password: string;
  from: string;
  to: string[];
  data: Buffer;
  tlsOnConnect?: boolean;
}): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-msmtp-'));
  const rc = join(dir, 'msmtprc');
  writeFileSync(
    rc,
    [
      'defaults',
      'account gateway',
      'host 127.0.0.1',
      `port ${o.port}`,
      'tls on',
      `tls_starttls ${o.tlsOnConnect === false ? 'on' : 'off'}`,
      `tls_fingerprint ${o.fingerprint}`,
      'auth login',
      `user ${o.user}`,
      `password ${o.password}`,
      `from ${o.from}`,
      'account default : gateway',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return runClient('msmtp', ['-C', rc, '-f', o.from, ...o.to], o.data);
}

/** A message with CRLF line ends (what SMTP carries) and a unique subject. */
export function message(
  from: string,
  to: string,
  subject: string,
  body: string | Buffer = 'Printed by the test.',
  extraHeaders: string[] = [],
): Buffer {
  const head = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/[^\w.-]/g, '')}@gw.test>`,
    'Date: Mon, 07 Dec 2026 12:00:00 +0000',
    'MIME-Version: 1.0',
    ...extraHeaders,
  ];
  if (!extraHeaders.some((h) => /^content-type:/i.test(h))) head.push('Content-Type: text/plain; charset=utf-8');
  return Buffer.concat([
    Buffer.from(`${head.join('\r\n')}\r\n\r\n`),
    Buffer.isBuffer(body) ? body : Buffer.from(body.replace(/\r?\n/g, '\r\n')),
    Buffer.from('\r\n'),
  ]);
}
