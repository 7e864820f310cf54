// A console in Chromium beside an identity emulator of its own (its state in a temporary folder), for the console
// tests that add resources through the form and consent against the emulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { openConsole, type ConsoleRun } from './console-walks.js';

export interface ConsoleWithIdentity {
  run: ConsoleRun;
  idp: IdentityEmulator;
  /** The sandbox app registration and user every form of these tests fills in. */
  common(): { tenantId: string; clientId: string; clientSecret: string; user: string; authorityUrl: string };
  close(): Promise<void>;
}

export async function openConsoleWithIdentity(folder: string): Promise<ConsoleWithIdentity> {
  const dir = mkdtempSync(join(tmpdir(), `mb-${folder}-`));
  const idp = await startIdentityEmulator({ stateFile: join(dir, 'identity.json') });
  const run = await openConsole(folder);
  return {
    run,
    idp,
    common: () => ({
      tenantId: SANDBOX.tenantId,
      clientId: SANDBOX.confidentialClientId,
      clientSecret: SANDBOX.clientSecret,
      user: SANDBOX.alice,
      authorityUrl: idp.url,
    }),
    async close() {
      await run.close();
      await idp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
