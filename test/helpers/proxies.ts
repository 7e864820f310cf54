/**
 * Real HTTP proxies from Debian on loopback for the proxy tests: tinyproxy (CONNECT, Basic
 * authentication, a list of allowed CONNECT ports) and squid-openssl with ssl-bump (a proxy
 * that intercepts TLS with a CA of its own). Each runs in the foreground with its own config
 * file in a temp dir, never as the system service; its log is kept to assert what went through.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMailbridgeError, type MailbridgeError } from '../../src/errors.js';

export interface RunningProxy {
  /** http://127.0.0.1:PORT (no credentials). */
  url: string;
  port: number;
  dir: string;
  /** Everything the proxy logged so far. */
  log(): string;
  close(): Promise<void>;
}

/** A port that was free a moment ago (tinyproxy and squid take no port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Resolves once `pattern` appears in the child's output; rejects if it exits first. */
function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pattern.test(output())) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`${what} exited (${code}) before it was ready:\n${output()}`));
    };
    const cleanup = (): void => {
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/** tinyproxy on loopback: optional Basic credentials, optional allow-list of CONNECT ports (others get 403). */
export async function startTinyproxy(
  o: { auth?: { user: string; password: string }; connectPorts?: number[] } = {},
): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-tinyproxy-'));
  const port = await freePort();
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 60',
    'LogLevel Connect',
    'MaxClients 50',
    'Allow 127.0.0.1',
    ...(o.auth ? [`BasicAuth ${o.auth.user} ${o.auth.password}`] : []),
    ...(o.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
  ].join('\n');
  writeFileSync(join(dir, 'tinyproxy.conf'), `${conf}\n`);
  let out = '';
  const child = spawn('tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // Printed once the listening socket is bound and logging is set up.
  await waitForOutput(child, () => out, /done sending stored logs/, 'tinyproxy');
  return { url: `http://127.0.0.1:${port}`, port, dir, log: () => out, close: stopper(child, dir) };
}

/**
 * squid (squid-openssl) with ssl-bump on loopback: every CONNECT is intercepted and the client
 * sees a certificate made by `caPem`'s CA; squid itself verifies the origin against `originCaFile`.
 */
export async function startSquidBump(o: {
  caCertFile: string;
  caKeyFile: string;
  originCaFile: string;
}): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-squid-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const certgen = '/usr/lib/squid/security_file_certgen';
  const db = join(dir, 'ssl_db');
  const init = spawnSync(certgen, ['-c', '-s', db, '-M', '4MB'], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`security_file_certgen -c failed: ${init.stderr}`);
  spawnSync('chown', ['-R', 'proxy:proxy', dir]);
  const conf = [
    `http_port 127.0.0.1:${port} ssl-bump tls-cert=${o.caCertFile} tls-key=${o.caKeyFile} generate-host-certificates=on dynamic_cert_mem_cache_size=4MB`,
    `sslcrtd_program ${certgen} -s ${db} -M 4MB`,
    'sslcrtd_children 2 startup=1 idle=1',
    'acl step1 at_step SslBump1',
    'ssl_bump peek step1',
    'ssl_bump bump all',
    `tls_outgoing_options cafile=${o.originCaFile}`,
    'acl localnet src 127.0.0.1/32',
    'acl SSL_ports port 1-65535',
    'acl CONNECT method CONNECT',
    'http_access allow localnet',
    'http_access deny all',
    'cache deny all',
    `access_log stdio:${join(dir, 'access.log')}`,
    `cache_log ${join(dir, 'cache.log')}`,
    `pid_filename ${join(dir, 'squid.pid')}`,
    `coredump_dir ${dir}`,
    'cache_effective_user proxy',
    'shutdown_lifetime 0 seconds',
    'logfile_rotate 0',
  ].join('\n');
  writeFileSync(join(dir, 'squid.conf'), `${conf}\n`);
  let out = '';
  const child = spawn('squid', ['-N', '-d', '2', '-f', join(dir, 'squid.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitForOutput(child, () => out, /Accepting (SSL bumped )?HTTP Socket connections at/, 'squid');
  const { readFileSync, existsSync } = await import('node:fs');
  const access = join(dir, 'access.log');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    log: () => `${out}\n${existsSync(access) ? readFileSync(access, 'utf8') : ''}`,
    close: stopper(child, dir),
  };
}

/** The typed error `p` fails with (a proxy refusal must be one of ours, never a raw socket error). */
export async function failure(p: Promise<unknown>): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMailbridgeError(e), `expected a typed error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}
