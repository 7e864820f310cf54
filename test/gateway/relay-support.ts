/**
 * Wiring for the IMAP/POP3 gateway tests: a small real GatewayDirectory over in-memory users
 * with scrypt password hashes (smtpgw's store-backed one implements the same interface), and
 * upstreams on the rig (tokens minted at its identity emulator, checked by Dovecot).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Resource } from '../../src/config/resource.js';
import type { GatewayDirectory, GatewayLogin, GatewayProtocol } from '../../src/gateway/directory.js';
import type { GatewayUpstreams } from '../../src/gateway/relay/listener.js';
import { mintingProvider, type Rig } from '../helpers/rig.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
export const run = promisify(execFile);

export interface TestUser {
  name: string;
  password: string;
  resource: string;
  disabled?: boolean;
}

export interface MemoryDirectory extends GatewayDirectory {
  /** Every check, with its outcome. */
  readonly checks: { name: string; protocol: GatewayProtocol; remoteAddress: string; ok: boolean }[];
  add(user: TestUser): Promise<void>;
}

export async function memoryDirectory(users: TestUser[] = []): Promise<MemoryDirectory> {
  const table = new Map<string, { salt: Buffer; hash: Buffer; resource: string; disabled: boolean }>();
  const checks: MemoryDirectory['checks'] = [];
  const dir: MemoryDirectory = {
    checks,
    async add(u) {
      const salt = randomBytes(16);
      table.set(u.name.toLowerCase(), {
        salt,
        hash: await scryptAsync(u.password, salt, 32),
        resource: u.resource,
        disabled: u.disabled === true,
      });
    },
    async authenticate(name, password, context): Promise<GatewayLogin> {
      const row = table.get(name.toLowerCase());
      const result = await (async (): Promise<GatewayLogin> => {
        if (!row) return { ok: false, reason: 'unknown-user' };
        const hash = await scryptAsync(password, row.salt, 32);
        if (!timingSafeEqual(hash, row.hash)) return { ok: false, reason: 'wrong-password' };
        if (row.disabled) return { ok: false, reason: 'disabled' };
        return { ok: true, principal: { user: name, resource: row.resource, allowedFrom: [] } };
      })();
      checks.push({ name, protocol: context.protocol, remoteAddress: context.remoteAddress, ok: result.ok });
      return result;
    },
  };
  for (const u of users) await dir.add(u);
  return dir;
}

/** Upstreams on the rig: each resource by name, tokens minted at the emulator for its user. */
export function rigUpstreams(rig: Rig, resources: Resource[]): GatewayUpstreams {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const providers = new Map(resources.map((r) => [r.name, mintingProvider(rig, r.user ?? '')]));
  return {
    async resource(name) {
      const r = byName.get(name);
      if (!r) throw new Error(`no resource ${name}`);
      return r;
    },
    provider(name) {
      const p = providers.get(name);
      if (!p) throw new Error(`no resource ${name}`);
      return p;
    },
  };
}

/** Runs a Python 3 script (argv after it) and returns its stdout; stderr is in the error. */
export async function python(script: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('python3', ['-c', script, ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  return stdout;
}

/** A raw message of about `size` bytes, 8-bit body lines, CRLF. */
export function bigMessage(from: string, to: string, size: number): Buffer {
  const head = `From: ${from}\r\nTo: ${to}\r\nSubject: big\r\nMessage-ID: <big.${Date.now()}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
  const line = 'Größe ☃ テスト 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n';
  const n = Math.ceil(size / Buffer.byteLength(line));
  return Buffer.from(head + line.repeat(n));
}

/** ISO-2022-JP (7-bit JIS with escapes) and raw 8-bit bytes: what must come through unchanged. */
export function japaneseMessage(from: string, to: string): Buffer {
  const jis = Buffer.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x38, 0x6c, 0x1b, 0x28, 0x42]); // 日本語
  return Buffer.concat([
    Buffer.from(
      `From: ${from}\r\nTo: ${to}\r\nSubject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\r\nMessage-ID: <jp.${Date.now()}@test>\r\nMIME-Version: 1.0\r\n` +
        'Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n',
    ),
    jis,
    Buffer.from('\r\n8bit: '),
    Buffer.from([0xe6, 0x97, 0xa5, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0xa4, 0xa2]),
    Buffer.from('\r\n'),
  ]);
}
