import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { loadConfigFile } from '../../../src/config/file.js';

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, '../../../src/cli/main.ts');

interface Info {
  endpoints: { token: string };
  apps: { clientId: string; secrets: string[] }[];
  exchange: { imaps: string; imap: string; pop3s: string; pop3: string; smtp: string; ews: string; graph: string; admin: string; caFile: string; mailboxes: string[] };
  resourcesFile: string;
}

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'mb-cli-xsandbox-'));
});
after(() => rm(home, { recursive: true, force: true }));

test('mailbridge sandbox runs identity and Exchange, prints every endpoint and writes a usable resource file', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--json', 'sandbox'], { env: { ...process.env, MAILBRIDGE_HOME: home } });
  try {
    let out = '';
    const info = await new Promise<Info>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no JSON within 30 s: ${out}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        try {
          resolve(JSON.parse(out) as Info);
          clearTimeout(timer);
        } catch {
          // not all of it yet
        }
      });
      child.on('close', (code) => reject(new Error(`exited ${code}`)));
    });
    const x = info.exchange;
    assert.match(x.imaps, /^imaps:\/\/127\.0\.0\.1:\d+$/);
    assert.match(x.pop3s, /^pop3s:\/\/127\.0\.0\.1:\d+$/);
    assert.match(x.smtp, /^smtp:\/\/127\.0\.0\.1:\d+$/);
    assert.match(x.ews, /^https:\/\/localhost:\d+\/EWS\/Exchange\.asmx$/);
    assert.match(x.graph, /^https:\/\/localhost:\d+\/v1\.0$/);
    assert.deepEqual(x.mailboxes, ['alice@contoso.onmicrosoft.com', 'bob@contoso.onmicrosoft.com']);

    const { resources } = loadConfigFile(info.resourcesFile);
    assert.deepEqual(resources.map((r) => r.resource.name), ['sandbox-imap', 'sandbox-pop3', 'sandbox-smtp', 'sandbox-ews', 'sandbox-graph']);
    const pop3 = resources.find((r) => r.resource.kind === 'pop3')!.resource;
    assert.equal(`pop3s://${pop3.server.host}:${pop3.server.port}`, x.pop3s);
    assert.equal(pop3.oauth?.tokenUrl, info.endpoints.token);

    // End to end with the printed values only: an app-only token from the printed token
    // endpoint, then curl over POP3 with TLS verified against the printed CA.
    const web = info.apps[0]!;
    const res = await fetch(info.endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: web.clientId, client_secret: web.secrets[0]!, scope: 'https://outlook.office365.com/.default' }),
    });
    const token = ((await res.json()) as { access_token: string }).access_token;
    const admin = await fetch(`${x.admin}/deliver`, {
      method: 'POST',
      body: JSON.stringify({ from: 'bob@contoso.onmicrosoft.com', to: ['alice@contoso.onmicrosoft.com'], raw: 'Subject: via admin\n\nhello\n' }),
    });
    assert.equal(admin.status, 200);
    const list = await run('curl', ['-sS', '--max-time', '20', '--cacert', x.caFile, '--user', 'alice@contoso.onmicrosoft.com:', '--oauth2-bearer', token, `${x.pop3s}/`]);
    assert.match(list.stdout, /^1 \d+\r?\n$/);
  } finally {
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    assert.equal(await closed, 0);
  }
});
