/**
 * The sandbox in your own CI: start an offline Microsoft identity platform and Exchange Online stand-in, point a
 * mailbridge resource at it, and send and read mail without a tenant or a network.
 *
 * The sandbox is its own package, `@mailbridge/sandbox` (`npm install --save-dev @mailbridge/sandbox`); mailbridge
 * users also reach it as `mailbridge/sandbox` (mailbridge's package carries its build).
 *
 * Run: node --import tsx examples/sandbox-in-ci.ts
 * `sandboxHome()` is what a test suite would call in its setup (the other examples' test does).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openMailbox, openStore, parseConfigText, TokenManager } from 'mailbridge';
import { SANDBOX, startExchangeSandbox, startIdentityEmulator } from '@mailbridge/sandbox';

export interface SandboxHome {
  /** A MAILBRIDGE_HOME whose store holds the resource `sandbox-graph` (app-only Graph on the sandbox mailbox). */
  home: string;
  resource: string;
  /** The mailbox the resource acts on. */
  mailbox: string;
  /** Puts a message into the mailbox as if it came from outside. */
  deliver(subject: string): Promise<void>;
  close(): Promise<void>;
}

export async function sandboxHome(): Promise<SandboxHome> {
  const identity = await startIdentityEmulator();
  const exchange = await startExchangeSandbox({ identity });
  const home = mkdtempSync(join(tmpdir(), 'mailbridge-example-'));
  const caFile = join(home, 'sandbox-ca.pem');
  writeFileSync(caFile, exchange.caPem);
  // The same short form as a config file (`mailbridge resource import`): the m365 preset, pointed at the sandbox.
  const config = {
    resources: [{
      name: 'sandbox-graph', kind: 'graph', flow: 'client_credentials', tenantId: SANDBOX.tenantId,
      clientId: SANDBOX.confidentialClientId, clientSecret: SANDBOX.clientSecret, user: SANDBOX.alice,
      authorityUrl: identity.url, mailHost: exchange.graph.url, tls: { caFile },
    }],
  };
  const [entry] = parseConfigText(JSON.stringify(config), { source: 'sandbox', baseDir: home, env: {}, format: 'json' }).resources;
  if (!entry?.secrets.clientSecret) throw new Error('the sandbox resource did not parse');
  const store = await openStore({ home, env: {} });
  await store.putResource(entry.resource);
  await store.putSecret(entry.resource.name, 'client_secret', entry.secrets.clientSecret);
  await store.close();
  return {
    home, resource: entry.resource.name, mailbox: SANDBOX.alice,
    async deliver(subject) {
      const raw = [`From: ci@example.com`, `To: ${SANDBOX.alice}`, `Subject: ${subject}`, 'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8', '', 'hello from the sandbox', ''].join('\r\n');
      await exchange.admin.deliver(Buffer.from(raw), { from: 'ci@example.com', to: [SANDBOX.alice] });
    },
    async close() {
      await exchange.close();
      await identity.close();
    },
  };
}

async function main(): Promise<void> {
  const sandbox = await sandboxHome();
  const store = await openStore({ home: sandbox.home, env: {} });
  const mailbox = await openMailbox({ resource: sandbox.resource, store, tokens: new TokenManager({ store }) });
  try {
    await mailbox.send({ from: sandbox.mailbox, to: [sandbox.mailbox], subject: 'sent in CI', text: 'it works' });
    const inbox = await mailbox.list({ limit: 10 });
    console.log(`inbox: ${inbox.map((m) => m.subject).join(', ')}`);
  } finally {
    await mailbox.close();
    await store.close();
    await sandbox.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
