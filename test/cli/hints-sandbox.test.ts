/**
 * Issue 19, the mail side: through the CLI against the Exchange sandbox, each failure's
 * printed fix is followed literally (PowerShell fixes through the sandbox's admin API, which
 * stands for Exchange Online PowerShell) and must end in success. Resources are stored and
 * consented directly where that is only set-up; every step a user would take runs the CLI.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';
import { cliHome, runCli, SANDBOX, type CliRun } from '../auth/support.js';
import { completeConsent } from '../helpers/consent.js';
import { consentedSandboxResource, sandboxUser } from '../mail/facade-suite-support.js';
import { APP, startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';

describe('issue 19: hints that lead to success (sandbox)', { timeout: 600_000 }, () => {
  let sb: Sandboxes;
  let home: Awaited<ReturnType<typeof cliHome>>;
  const outputs: string[] = [];

  async function cli(...args: string[]): Promise<CliRun> {
    const run = await runCli(args, home.env, { timeoutMs: 180_000 });
    outputs.push(run.stdout, run.stderr);
    return run;
  }

  /** `mailbridge auth NAME` as printed in a fix (`--paste`: the sandbox's person pastes the redirect). */
  async function auth(name: string, user: string): Promise<CliRun> {
    let answered = false;
    const run = await runCli(['auth', name, '--paste'], home.env, {
      timeoutMs: 180_000,
      onStdout: (out, stdin) => {
        const url = /(http:\/\/127\.0\.0\.1:\d+\/\S+\/authorize\?\S+)/.exec(out)?.[1];
        if (!url || answered) return;
        answered = true;
        void completeConsent(url, { username: user, password: SANDBOX.password }).then((u) => stdin.end(`${u.toString()}\n`));
      },
    });
    outputs.push(run.stdout, run.stderr);
    return run;
  }

  /** The messages of a sandbox mailbox's Inbox with this subject. */
  function received(user: string, subject: string): number {
    const inbox = sb.exchange.context.store.mailbox(user)?.folder('inbox');
    return (inbox?.list() ?? []).filter((m) => m.summary.subject === subject).length;
  }

  /** Run the commands a fix prints in backticks (`mailbridge …`), in order, as written. */
  function commandsIn(hint: string): string[][] {
    return [...hint.matchAll(/`mailbridge ([^`]+)`/g)].map((m) => m[1]!.split(' '));
  }

  before(async () => {
    sb = await startSandboxes();
    home = await cliHome();
  });
  after(async () => {
    await sb?.close();
    await home?.remove();
  });

  test('item 1: SMTP AUTH off → the printed fix (edit --graph-fallback, auth) sends through the sandbox\'s Graph', async () => {
    const user = sandboxUser(sb, 'h19-smtp');
    const rcpt = sandboxUser(sb, 'h19-rcpt');
    const add = await runCli(['resource', 'add', 'send', '--kind', 'smtp', '--tenant', SANDBOX.tenantId, '--client-id', APP,
      '--client-secret-env', 'SB_SECRET', '--authority', sb.identity.url, '--host', sb.exchange.host, '--port', String(sb.exchange.smtp.port),
      '--secure', 'starttls', '--ca-file', sb.caFile, '--user', user], { ...home.env, SB_SECRET: SANDBOX.clientSecret }, { timeoutMs: 180_000 });
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await auth('send', user)).code, 0);
    sb.exchange.admin.setSmtpAuthDisabled(true, user);
    const subject = `h19 fallback ${randomBytes(3).toString('hex')}`;
    const send = ['send', 'send', '--to', rcpt, '--subject', subject, '--text', 'through Graph'];
    const refused = await cli(...send);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(SMTP_AUTH_DISABLED\)/);
    const steps = commandsIn(refused.stderr.split('Fix: ')[1] ?? '').filter((c) => c[0] !== 'doctor');
    assert.deepEqual(steps.map((c) => c.join(' ')), ['resource edit send --graph-fallback', 'auth send']);

    const edit = await cli(...steps[0]!);
    assert.equal(edit.code, 0, edit.stderr);
    assert.match(edit.stdout, /Graph fallback on: .* https:\/\/(localhost|127\.0\.0\.1):\d+ sendMail/);
    assert.match(edit.stdout, /Microsoft Graph > Mail\.Send/);
    assert.equal(edit.stderr, '', 'no warning that would undo the fallback');
    const show = await cli('resource', 'show', 'send');
    assert.match(show.stdout, /Graph fallback +https:\/\/(localhost|127\.0\.0\.1):\d+ \(sendMail when SMTP AUTH is refused\)/);
    assert.match(show.stdout, /Scope +offline_access https:\/\/outlook\.office365\.com\/SMTP\.Send https:\/\/graph\.microsoft\.com\/Mail\.Send/);
    assert.equal(show.stderr, '');
    assert.equal((await auth('send', user)).code, 0);
    const sent = await cli(...send);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(received(rcpt, subject), 1);
  });

  test('item 1: --graph-fallback on a national-cloud resource: its own Graph, in the scope and in export', async () => {
    const add = await runCli(['--json', 'resource', 'add', 'gov', '--kind', 'smtp', '--cloud', 'usgovhigh', '--tenant', 'contoso.onmicrosoft.us',
      '--client-id', 'cid', '--user', 'a@contoso.onmicrosoft.us', '--client-secret-env', 'S', '--graph-fallback'], { ...home.env, S: 's' }, { timeoutMs: 180_000 });
    assert.equal(add.code, 0, add.stderr);
    const r = (JSON.parse(add.stdout) as { resource: { graphFallback: { baseUrl: string }; oauth: { scope: string } } }).resource;
    assert.equal(r.graphFallback.baseUrl, 'https://graph.microsoft.us');
    assert.match(r.oauth.scope, /^offline_access https:\/\/outlook\.office365\.us\/SMTP\.Send https:\/\/graph\.microsoft\.us\/Mail\.Send$/);
    assert.equal(add.stderr, '');
    const exported = await cli('resource', 'export');
    const gov = exported.stdout.slice(exported.stdout.indexOf('name: gov'));
    assert.doesNotMatch(gov, /graph\.microsoft\.com/);
    assert.match(gov, /graphFallback: \{\}/, 'derived from the cloud again on import');
  });

  test('items 5 and 7: Graph send without --from uses the resource\'s user; send-as refused → the SendAs fix works', async () => {
    const user = sandboxUser(sb, 'h19-graph');
    const other = sandboxUser(sb, 'h19-shared');
    const store = await home.openStore();
    await consentedSandboxResource(sb, 'graph', { store, name: 'mail', user });
    await store.close();
    const subject = `h19 graph ${randomBytes(3).toString('hex')}`;
    const plain = await cli('send', 'mail', '--to', other, '--subject', subject, '--text', 'no --from');
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(received(other, subject), 1);

    const asOther = ['send', 'mail', '--from', other, '--to', user, '--subject', `${subject} as`, '--text', 'send as'];
    const denied = await cli(...asOther);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /\(GRAPH_SEND_AS_DENIED\)/);
    const ps = new RegExp(`Add-RecipientPermission -Identity ${other} -Trustee ${user} -AccessRights SendAs`).exec(denied.stderr);
    assert.ok(ps, denied.stderr);
    sb.exchange.admin.grantSendAs(other, user); // what that PowerShell line does
    const allowed = await cli(...asOther);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(received(user, `${subject} as`), 1);
  });

  test('item 6: app-only IMAP without FullAccess names FullAccess, the service principal and IMAP.AccessAsApp; granting works', async () => {
    const user = sandboxUser(sb, 'h19-app');
    const store = await home.openStore();
    const resource = parseResource(applyPreset({
      preset: 'm365', name: 'appimap', kind: 'imap', flow: 'client_credentials', tenantId: SANDBOX.tenantId, clientId: APP, user,
      authorityUrl: sb.identity.url, mailHost: sb.exchange.host, port: sb.exchange.imap.port, tls: { caFile: sb.caFile },
    }));
    await store.putResource(resource);
    await store.putSecret('appimap', 'client_secret', new Secret(SANDBOX.clientSecret));
    await store.close();
    const refused = await cli('list', 'appimap');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /app-only login for .*\(IMAP_AUTH_FAILED\)/);
    assert.match(refused.stderr, new RegExp(`New-ServicePrincipal -AppId ${APP}`));
    assert.match(refused.stderr, new RegExp(`Add-MailboxPermission -Identity ${user} .*-AccessRights FullAccess`));
    assert.match(refused.stderr, /IMAP\.AccessAsApp/);
    assert.doesNotMatch(refused.stderr, /AccessAsUser|Set-CASMailbox/);
    assert.match(refused.stderr, /`mailbridge doctor appimap`/);
    sb.exchange.admin.grantFullAccess(user, APP); // Add-MailboxPermission … FullAccess
    const ok = await cli('list', 'appimap');
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('no printed fix has a placeholder where the resource name belongs', () => {
    assert.ok(outputs.length > 0);
    assert.doesNotMatch(outputs.join('\n'), /`mailbridge [^`]*\b(RESOURCE|NAME)\b/);
  });
});
