/**
 * A mailbridge home with consented resources on the rig, for the CLI's message-operation tests (mail-ops*.test.ts,
 * doctor.test.ts): each file sets up only the mailboxes it changes, so the files can run side by side.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import { mailbridge, type CliResult } from '../helpers/cli.js';
import type { Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';

export interface Summary { id: string; subject: string; seen: boolean; flagged: boolean }

export interface OpsHome {
  home: string;
  cli: (args: string[]) => Promise<CliResult>;
  list: (resource: string, folder?: string) => Promise<Summary[]>;
}

/** A plain-text message to `to`. */
export const msg = (to: string, subject: string) =>
  ['From: Hal <hal@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `本文 ${subject}`, ''].join('\r\n');

/** A new home whose store holds `resources` (name → kind and mailbox user), each with a real consent. */
export async function opsHome(rig: Rig, resources: Record<string, { kind: 'imap' | 'pop3' | 'smtp'; user: string }>): Promise<OpsHome> {
  const home = await mkdtemp(join(tmpdir(), 'mb-cli-ops-'));
  const store = await openStore({ home, env: {} });
  for (const [name, r] of Object.entries(resources)) {
    await rig.ensureUser(r.user);
    await consentedResource(rig, r.kind, { store, name, user: r.user });
  }
  await store.close();
  const cli = (args: string[]) => mailbridge(home, args);
  const list = async (resource: string, folder = 'INBOX'): Promise<Summary[]> => {
    const r = await cli(['--json', 'list', resource, '--folder', folder]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Summary[];
  };
  return { home, cli, list };
}
