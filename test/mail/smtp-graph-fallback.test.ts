/**
 * An smtp resource whose tenant turned SMTP AUTH off (535 5.7.139): without graphFallback the
 * typed error says how to turn it on or fall back; with it the same message goes out through
 * Graph sendMail with a Graph token from the same refresh token, and reaches the recipient.
 * Real parts: the identity emulator (consent), the Exchange sandbox (SMTP, Graph), TokenManager.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../src/config/file.js';
import { resourceToEntry } from '../../src/config/to-entry.js';
import { parseResource } from '../../src/config/validate.js';
import { AuthError, ConfigError, ProtocolError } from '../../src/errors.js';
import type { Mailbox } from '../../src/mail/mailbox.js';
import { openMailbox } from '../../src/mail/open.js';
import type { SmtpMailbox } from '../../src/mail/smtp-mailbox.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';
import { consentedSandboxResource, sandboxUser } from './facade-suite-support.js';

const OUTLOOK_SEND = 'https://outlook.office365.com/SMTP.Send';
const GRAPH_SEND = 'https://graph.microsoft.com/Mail.Send';

describe('smtp resources falling back to Graph sendMail when SMTP AUTH is disabled', { timeout: 60_000 }, () => {
  let sb: Sandboxes;
  let store: Store;
  let recipient: Mailbox;
  let rcpt: string;
  const opened: Mailbox[] = [];

  before(async () => {
    sb = await startSandboxes();
    store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
    rcpt = sandboxUser(sb, 'fb-rcpt');
    const r = await consentedSandboxResource(sb, 'graph', { store, name: 'fb-rcpt', user: rcpt });
    recipient = await openMailbox({ resource: r.resource.name, store, tokens: r.tokens });
  });
  after(async () => {
    await Promise.allSettled([recipient?.close(), ...opened.map((m) => m.close())]);
    await store?.close();
    await sb?.close();
  });

  /** An smtp resource of a fresh sandbox user with SMTP AUTH off for the mailbox (Set-CASMailbox). */
  async function smtpResource(opts: { scope: string; fallback: boolean }) {
    const user = sandboxUser(sb, 'fb-send');
    const name = `fb-${randomBytes(3).toString('hex')}`;
    const extra = opts.fallback ? { graphFallback: { baseUrl: sb.exchange.graph.url } } : {};
    const { tokens, resource } = await consentedSandboxResource(sb, 'smtp', { store, name, user, scope: opts.scope, extra });
    sb.exchange.admin.setSmtpAuthDisabled(true, user);
    const mailbox = (await openMailbox({ resource: resource.name, store, tokens })) as SmtpMailbox;
    opened.push(mailbox);
    return { user, resource, mailbox };
  }

  const draft = (from: string, subject: string) => ({ from, to: [rcpt], subject, text: `sent while SMTP AUTH is off: ${subject}` });

  test('without graphFallback: SMTP_AUTH_DISABLED, with the admin fix and the Graph fallback in the hint', async () => {
    const { user, resource, mailbox } = await smtpResource({ scope: `offline_access ${OUTLOOK_SEND}`, fallback: false });
    await assert.rejects(mailbox.send(draft(user, 'no fallback')), (e: unknown) => {
      assert.ok(e instanceof ProtocolError, String(e));
      assert.equal(e.code, 'SMTP_AUTH_DISABLED');
      assert.match(e.message, /5\.7\.139/);
      assert.match(e.hint, /Set-CASMailbox/);
      assert.match(e.hint, new RegExp(`resource edit ${resource.name} --graph-fallback`));
      assert.match(e.hint, /Mail\.Send/);
      return true;
    });
    assert.equal((await recipient.list({ filter: { subject: 'no fallback' } })).length, 0);
  });

  test('with graphFallback: delivered through Graph with a Graph token from the same refresh token', async () => {
    const { user, resource, mailbox } = await smtpResource({ scope: `offline_access ${OUTLOOK_SEND} ${GRAPH_SEND}`, fallback: true });
    const subject = `fallback ${randomBytes(3).toString('hex')}`;
    const r = await mailbox.send(draft(user, subject));
    assert.equal(r.via, 'graph');
    assert.deepEqual(r.accepted, [rcpt]);
    const [got] = await recipient.list({ filter: { subject } });
    assert.ok(got, 'the recipient has it');
    assert.deepEqual(got.from.map((a) => a.address?.toLowerCase()), [user.toLowerCase()]);
    assert.equal((await recipient.get(got.id)).text?.trim(), `sent while SMTP AUTH is off: ${subject}`);
    // The Graph token came from the stored grant, cached beside the Outlook one.
    assert.ok(await store.getAccessToken(resource.name, 'https://graph.microsoft.com'), 'a Graph token is cached for the smtp resource');

    // SMTP AUTH on again: the same resource sends over SMTP, no fallback.
    sb.exchange.admin.setSmtpAuthDisabled(null, user);
    const again = await mailbox.send(draft(user, `${subject} smtp`));
    assert.equal(again.via, 'smtp');
    assert.equal((await recipient.list({ filter: { subject: `${subject} smtp` } })).length, 1);
  });

  test('with graphFallback but no Graph consent: a typed error, nothing sent', async () => {
    const { user, resource, mailbox } = await smtpResource({ scope: `offline_access ${OUTLOOK_SEND}`, fallback: true });
    const subject = `unconsented ${randomBytes(3).toString('hex')}`;
    // Re-consenting the same scope cannot help: the fix adds Graph's Mail.Send to the scope first.
    await assert.rejects(mailbox.send(draft(user, subject)), (e: unknown) =>
      e instanceof AuthError && e.code === 'AADSTS65001' && /has no consent for https:\/\/graph\.microsoft\.com\/Mail\.Send/.test(e.message) &&
      new RegExp(`mailbridge resource edit ${resource.name} --graph-fallback\` .*then \`mailbridge auth ${resource.name}\``).test(e.hint));
    assert.equal((await recipient.list({ filter: { subject } })).length, 0);
    // A refusal for Graph says nothing about the SMTP grant: its status stays Available.
    assert.equal((await store.getTokenState(resource.name))?.status, 'Available');
  });
});

describe('the graphFallback setting', () => {
  const base = {
    name: 'send', kind: 'smtp', server: { host: 'smtp.office365.com', port: 587, secure: 'starttls' }, user: 'a@contoso.onmicrosoft.com', authType: 'none',
  };

  test('defaults to Graph\'s global endpoint; smtp only; https or loopback http', () => {
    assert.equal(parseResource({ ...base, graphFallback: {} }).graphFallback?.baseUrl, 'https://graph.microsoft.com');
    assert.equal(parseResource({ ...base, graphFallback: { baseUrl: 'http://127.0.0.1:8443' } }).graphFallback?.baseUrl, 'http://127.0.0.1:8443');
    assert.throws(() => parseResource({ ...base, kind: 'imap', server: { host: 'outlook.office365.com', port: 993, secure: 'tls' }, graphFallback: {} }),
      (e: unknown) => e instanceof ConfigError && e.field === 'graphFallback' && /smtp/.test(e.hint));
    assert.throws(() => parseResource({ ...base, graphFallback: { baseUrl: 'http://graph.example.com' } }),
      (e: unknown) => e instanceof ConfigError && e.field === 'graphFallback.baseUrl' && /https:\/\/graph\.example\.com/.test(e.hint));
  });

  test('the config file form takes it, and export writes it back', () => {
    const text = [
      'resources:',
      '  - name: send', '    kind: smtp', '    tenantId: contoso.onmicrosoft.com', '    clientId: cid', '    user: a@contoso.onmicrosoft.com',
      '    clientSecret: s', '    graphFallback: {}',
    ].join('\n');
    const [entry] = parseConfigText(text, { source: 'test.yaml', baseDir: '.', env: {}, format: 'yaml' }).resources;
    assert.equal(entry?.resource.graphFallback?.baseUrl, 'https://graph.microsoft.com');
    // Exported as derived: on import it follows the resource's cloud again (graph.microsoft.us for GCC High).
    assert.deepEqual(resourceToEntry(entry!.resource).graphFallback, {});
    assert.match(entry!.resource.oauth?.scope ?? '', /https:\/\/graph\.microsoft\.com\/Mail\.Send/, 'the preset asks for Graph\'s Mail.Send');
    assert.throws(() => parseConfigText(text.replace('{}', '{ url: x }'), { source: 'test.yaml', baseDir: '.', env: {}, format: 'yaml' }),
      (e: unknown) => e instanceof ConfigError);
  });

  test('the CLI: resource add/edit --graph-fallback [URL] and --no-graph-fallback', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const home = join(mkdtempSync(join(tmpdir(), 'mb-fb-cli-')), 'home');
    const cli = (args: string[], input = '') => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), '--json', ...args], {
      cwd: root, input, encoding: 'utf8', env: { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '', MAILBRIDGE_DATABASE_URL: '' },
    });
    const fallbackOf = (r: ReturnType<typeof cli>) => {
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { resource: { graphFallback?: { baseUrl: string } } }).resource.graphFallback;
    };
    const add = cli(['resource', 'add', 'send', '--kind', 'smtp', '--tenant', 'contoso.onmicrosoft.com', '--client-id', 'cid', '--user', 'a@contoso.onmicrosoft.com', '--client-secret-stdin', '--graph-fallback'], 'secret');
    assert.deepEqual(fallbackOf(add), { baseUrl: 'https://graph.microsoft.com' });
    // A new fallback URL is a new place for the access token: the secret comes with it (issue 11 item 4).
    assert.match(cli(['resource', 'edit', 'send', '--graph-fallback', 'https://graph.microsoft.us']).stderr, /CREDENTIALS_REQUIRED/);
    assert.deepEqual(fallbackOf(cli(['resource', 'edit', 'send', '--graph-fallback', 'https://graph.microsoft.us', '--client-secret-stdin'], 'secret')),
      { baseUrl: 'https://graph.microsoft.us' });
    assert.equal(fallbackOf(cli(['resource', 'edit', 'send', '--no-graph-fallback'])), undefined);
    const bad = cli(['resource', 'edit', 'send', '--kind', 'imap', '--graph-fallback']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /graphFallback/);
  });
});
