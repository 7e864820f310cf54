import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { completeConsent } from '../helpers/consent.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { startReceiver, type Receiver } from '../server/receiver.js';
import { m365Body } from '../server/support.js';
import { openConsole, type DomInput, type ConsoleRun } from './console-walks.js';

// Triggers and removal in Chromium (issue 21, items 3, 7 and 8): the trigger form keeps what was
// typed after the server refused it; a trigger's last error goes away once its mailbox works
// again (the mail server is reached through a loopback relay this test stops and starts); a
// resource that triggers use is not removed without saying so, and only with them when chosen.
let run: ConsoleRun;
let rig: Rig;
let receiver: Receiver;
let relay: Relay;
let user: string;

/** A TCP relay to the rig's IMAPS port that can go away and come back on the same port. */
interface Relay {
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function startRelay(target: { host: string; port: number }): Promise<Relay> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server!.address() as AddressInfo).port));
    });
  const relay: Relay = {
    port: await listen(0),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
    async start() {
      await listen(relay.port);
    },
  };
  return relay;
}

before(async () => {
  rig = loadRig();
  user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  receiver = await startReceiver();
  relay = await startRelay({ host: rig.host, port: rig.imap.port });
  run = await openConsole('console-triggers');
  const added = await run.svc.api(
    'POST',
    '/api/resources',
    m365Body('trig-inbox', {
      kind: 'imap',
      authorityUrl: rig.emulatorUrl,
      tenantId: rig.tenantId,
      clientId: SANDBOX.confidentialClientId,
      clientSecret: SANDBOX.clientSecret,
      user,
      mailHost: rig.host,
      port: relay.port,
      secure: 'tls',
      caFile: rig.caFile,
    }),
  );
  assert.equal(added.status, 201, added.text);
  const start = await run.svc.api('POST', '/api/resources/trig-inbox/consent');
  const back = await completeConsent(start.json.authorizeUrl, { username: user, password: rig.basicPassword.reveal() });
  assert.equal((await fetch(back)).status, 200);
});

after(async () => {
  await run?.close();
  await receiver?.close();
  await relay?.stop().catch(() => undefined);
});

/** Reloads the triggers page until `done` holds for it (the watcher's state changes by itself). */
async function untilTriggersPage(done: () => Promise<boolean>): Promise<void> {
  const { page } = run;
  for (;;) {
    await page.goto(`${run.svc.base}/console/triggers`);
    if (await done()) return;
    await page.waitForTimeout(250);
  }
}

test('the trigger form keeps every field after the server refuses it', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/triggers`);
  await page.fill('#add-trigger input[name=name]', 'to-hook');
  await page.selectOption('#add-trigger select[name=resource]', 'trig-inbox');
  await page.fill('#add-trigger input[name=folder]', 'INBOX');
  await page.fill('#add-trigger input[name=url]', receiver.url);
  await page.selectOption('#add-trigger select[name=start]', 'all');
  await page.fill('#add-trigger input[name=poll]', '0');
  await Promise.all([page.waitForLoadState('load'), page.click('#add-trigger-button')]);
  await page.waitForSelector('#error');
  assert.equal(await page.inputValue('#add-trigger input[name=name]'), 'to-hook');
  assert.equal(await page.inputValue('#add-trigger select[name=resource]'), 'trig-inbox');
  assert.equal(await page.inputValue('#add-trigger input[name=url]'), receiver.url);
  assert.equal(await page.inputValue('#add-trigger select[name=start]'), 'all');
  assert.equal(await page.inputValue('#add-trigger input[name=poll]'), '0');
  await run.shot('1-trigger-form-kept');
  await page.fill('#add-trigger input[name=poll]', '1');
  await Promise.all([page.waitForLoadState('load'), page.click('#add-trigger-button')]);
  await page.waitForSelector('#trigger-added');
});

test("a trigger's last error shows with its time while the mail server is away, and goes once a scan succeeds again", async () => {
  const { page } = run;
  const section = '[data-trigger="to-hook"]';
  await untilTriggersPage(async () => (await page.$(`${section} .last-scan`)) !== null);
  await relay.stop();
  await untilTriggersPage(async () => (await page.$(`${section} .last-error`)) !== null);
  assert.match(
    (await page.textContent(`${section} .last-error`)) ?? '',
    /Last error at \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC \(.+\): /,
  );
  await run.shot('2-trigger-last-error');
  await relay.start();
  await rig.deliver(
    user,
    `From: a@example.com\r\nTo: ${user}\r\nSubject: after the outage\r\nMessage-ID: <outage-${Date.now()}@example.com>\r\n\r\nback\r\n`,
  );
  await receiver.waitFor(1);
  await untilTriggersPage(async () => (await page.$(`${section} .last-error`)) === null);
  assert.match((await page.textContent(`${section} .last-scan`)) ?? '', /Last whole scan: \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC/);
  assert.match((await page.textContent(`${section} .deliveries`)) ?? '', /after the outage/);
  await run.shot('3-trigger-recovered');
});

test('removing a resource that a trigger uses: confirmed on its own page, refused naming the trigger, or removed with it when chosen', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/trig-inbox`);
  await Promise.all([page.waitForURL(/\/remove$/), page.click('#remove')]);
  assert.equal((await run.svc.api('GET', '/api/resources/trig-inbox')).status, 200, 'the link alone removes nothing');
  assert.match((await page.textContent('#used-by')) ?? '', /to-hook/);
  await run.shot('4-remove-confirm');
  // Not ticked: refused, the trigger named, nothing removed.
  await page.$eval('#cascade', (c) => {
    (c as unknown as DomInput).checked = false;
  });
  await Promise.all([page.waitForLoadState('load'), page.click('#confirm-remove')]);
  await page.waitForSelector('#error');
  assert.match((await page.textContent('#error')) ?? '', /RESOURCE_IN_USE/);
  assert.match((await page.textContent('#error')) ?? '', /to-hook/);
  assert.equal((await run.svc.api('GET', '/api/resources/trig-inbox')).status, 200);
  // Ticked: the resource and its trigger go, and the runner stops watching.
  await page.check('#cascade');
  await Promise.all([page.waitForURL(/\/console\/\?removed=trig-inbox/), page.click('#confirm-remove')]);
  assert.match(
    ((await page.textContent('#notice')) ?? '').replace(/\s+/g, ' '),
    /Removed trig-inbox and its trigger to-hook/,
  );
  assert.equal((await run.svc.api('GET', '/api/resources/trig-inbox')).status, 404);
  assert.equal((await run.svc.api('GET', '/api/triggers/to-hook')).status, 404);
  assert.ok(!run.svc.runner.status().some((s) => s.trigger === 'to-hook'));
});
