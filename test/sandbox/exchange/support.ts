import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX, startIdentityEmulator, type IdentityEmulator, startExchangeSandbox, type ExchangeSandbox, type ExchangeSandboxOptions } from '@mailbridge/sandbox';

export const ALICE = SANDBOX.alice;
export const BOB = SANDBOX.bob;
export const APP = SANDBOX.confidentialClientId;
export const OUTLOOK = 'https://outlook.office365.com';
export const GRAPH = 'https://graph.microsoft.com';

/** The identity emulator and an Exchange sandbox wired to it, with the CA in a file (for curl). */
export interface Sandboxes {
  identity: IdentityEmulator;
  exchange: ExchangeSandbox;
  caFile: string;
  /** A delegated token for `user` (default: alice) with `scope`. */
  token(scope: string, opts?: { user?: string; audience?: string; expiresInSeconds?: number }): Promise<string>;
  /** An app-only token of the sandbox app with `roles`. */
  appToken(roles: string[], audience?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startSandboxes(opts: Omit<ExchangeSandboxOptions, 'identity'> = {}): Promise<Sandboxes> {
  const identity = await startIdentityEmulator();
  const exchange = await startExchangeSandbox({ identity, ...opts });
  const dir = await mkdtemp(join(tmpdir(), 'mb-xsandbox-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, exchange.caPem);
  return {
    identity,
    exchange,
    caFile,
    async token(scope, o = {}) {
      const r = await identity.admin.mintAccessToken({
        username: o.user ?? ALICE, audience: o.audience ?? OUTLOOK, scope, ...(o.expiresInSeconds !== undefined ? { expiresInSeconds: o.expiresInSeconds } : {}),
      });
      return r.access_token;
    },
    async appToken(roles, audience = OUTLOOK) {
      return (await identity.admin.mintAccessToken({ clientId: APP, audience, roles })).access_token;
    },
    async close() {
      await exchange.close();
      await identity.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** base64("user=" + user + "^Aauth=Bearer " + token + "^A^A") (microsoft.md §3.3). */
export function xoauth2(user: string, token: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
}

export function rawMessage(from: string, to: string, subject: string, body = 'Hello from the sandbox test.'): Buffer {
  return Buffer.from(
    `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@test>\r\n` +
      `Date: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}
