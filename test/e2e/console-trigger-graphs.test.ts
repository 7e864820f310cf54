import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadRig, type Rig } from '../helpers/rig.js';
import { startReceiver, type Receiver } from '../server/receiver.js';
import { addRigResource } from '../server/support.js';
import { openConsole, type ConsoleRun } from './console-walks.js';

// The triggers page in Chromium (issue 17): after real deliveries (rig IMAP → a loopback
// webhook) the throughput and latency graphs are there with their text alternatives; a
// delivery's page shows the payload sent and the receiver's answer; a refused message waits
// in the dead letters and Replay delivers it; Pause and Resume; the page in Japanese.
let run: ConsoleRun;
let rig: Rig;
let receiver: Receiver;
let user: string;
const TRIGGER = 'graph-hook';

before(async () => {
  rig = loadRig();
  user = rig.uniqueMailbox();
  receiver = await startReceiver();
  run = await openConsole('console-trigger-graphs');
  await addRigResource(run.svc, rig, 'tg-in', 'imap', user);
  const made = await run.svc.api('POST', '/api/triggers', {
    name: TRIGGER,
    resource: 'tg-in',
    folder: 'INBOX',
    start: 'all',
    pollIntervalSeconds: 1,
    retry: { maxAttempts: 1 },
    target: { kind: 'webhook', url: receiver.url },
  });
  assert.equal(made.status, 201, made.text);
  await run.svc.runner.sync();
});

after(async () => {
  await run?.close();
  await receiver?.close();
});

const deliver = (subject: string) =>
  rig.deliver(
    user,
    `From: a@example.com\r\nTo: ${user}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}-${Date.now()}@example.com>\r\n\r\nbody of ${subject}\r\n`,
  );

/** Reloads the triggers page until `done` holds (the watcher works on its own schedule). */
async function untilTriggersPage(done: () => Promise<boolean>, query = ''): Promise<void> {
  const { page } = run;
  for (;;) {
    await page.goto(`${run.svc.base}/console/triggers${query}`);
    if (await done()) return;
    await page.waitForTimeout(250);
  }
}

const section = `[data-trigger="${TRIGGER}"]`;

test('after deliveries: throughput and latency graphs with text alternatives, for the last hour and day', async () => {
  const { page } = run;
  await deliver('first delivery');
  await deliver('second delivery');
  await receiver.waitFor(2);
  await untilTriggersPage(async () => (await page.$$(`${section} table.deliveries .badge.delivered`)).length === 2);
  const graph = page.locator(`#throughput-${TRIGGER}`);
  assert.equal(await graph.getAttribute('role'), 'img');
  assert.match(
    (await page.textContent(`#throughput-${TRIGGER}-desc`)) ?? '',
    /^2 delivered and 0 failed or dead in the last hour, in intervals of 5 minutes\.$/,
  );
  assert.equal(await page.locator(`#throughput-${TRIGGER} rect.bar-ok`).count(), 1, 'both in the newest interval');
  assert.match(
    (await page.textContent(`#latency-${TRIGGER}-desc`)) ?? '',
    /^Median \d+ ms, slowest \d+ ms over 2 timed deliveries in the last hour\.$/,
  );
  assert.equal(await page.locator(`#latency-${TRIGGER} rect.bar-time`).count(), 1);
  await run.shot('1-graphs-hour');
  await Promise.all([page.waitForURL(/range=day/), page.click('#range-day')]);
  assert.match(
    (await page.textContent(`#throughput-${TRIGGER}-desc`)) ?? '',
    /in the last 24 hours, in intervals of 1 hour/,
  );
  assert.equal(await page.getAttribute('#range-day', 'aria-current'), 'true');
});

test("a delivery's page: the payload sent and the receiver's answer", async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/triggers`);
  await Promise.all([
    page.waitForURL(/\/console\/deliveries\//),
    page.getByRole('link', { name: 'Details of delivery first delivery' }).click(),
  ]);
  const request = JSON.parse((await page.textContent('#delivery-request')) ?? '{}') as {
    trigger?: string;
    message?: { subject?: string };
  };
  assert.equal(request.trigger, TRIGGER);
  assert.equal(request.message?.subject, 'first delivery');
  assert.match((await page.textContent('#delivery-response')) ?? '', /^HTTP 200 OK\nok$/);
  assert.match((await page.textContent('#delivery-duration')) ?? '', /The last attempt took \d+ ms/);
  await run.shot('2-delivery');
});

test('a refused message waits in the dead letters; Replay delivers it once the receiver takes it', async () => {
  const { page } = run;
  receiver.status = 400;
  const before = receiver.received.length;
  await deliver('refused at first');
  await receiver.waitFor(before + 1);
  await untilTriggersPage(async () => (await page.$(`${section} table.dead-letters tr[data-delivery]`)) !== null);
  assert.match((await page.textContent(`${section} .dead-letters-title`)) ?? '', /Dead letters \(1\)/);
  assert.match((await page.textContent(`#throughput-${TRIGGER}-desc`)) ?? '', /2 delivered and 1 failed or dead/);
  assert.equal(await page.locator(`#throughput-${TRIGGER} rect.bar-bad`).count(), 1);
  await page.getByRole('link', { name: 'Details of delivery refused at first' }).first().click();
  await page.waitForSelector('#delivery-response');
  assert.match((await page.textContent('#delivery-response')) ?? '', /^HTTP 400 Bad Request\nreceiver failing$/);
  assert.equal(await page.textContent('#delivery-status'), 'dead letter');
  await run.shot('3-dead-letter');

  receiver.status = 200;
  await Promise.all([page.waitForLoadState('load'), page.click('#replay')]);
  await page.waitForSelector('#replay-result');
  assert.match((await page.textContent('#replay-result')) ?? '', /: delivered after 2 attempt\(s\)/);
  assert.equal(await page.$(`${section} table.dead-letters`), null, 'the dead-letter list is empty again');
  assert.equal(JSON.parse(receiver.received.at(-1)!.body).message.subject, 'refused at first');
});

test('Pause and Resume from the page', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/triggers`);
  await Promise.all([
    page.waitForURL(/\/console\/triggers/),
    page.getByRole('button', { name: `Pause trigger ${TRIGGER}` }).click(),
  ]);
  assert.equal(await page.textContent(`#state-${TRIGGER}`), 'paused');
  assert.equal((await run.svc.api('GET', `/api/triggers/${TRIGGER}`)).json.paused, true);
  const before = receiver.received.length;
  await deliver('while paused');
  await Promise.all([
    page.waitForURL(/\/console\/triggers/),
    page.getByRole('button', { name: `Resume trigger ${TRIGGER}` }).click(),
  ]);
  assert.equal((await run.svc.api('GET', `/api/triggers/${TRIGGER}`)).json.paused, false);
  assert.notEqual(await page.textContent(`#state-${TRIGGER}`), 'paused');
  await receiver.waitFor(before + 1);
  assert.equal(JSON.parse(receiver.received.at(-1)!.body).message.subject, 'while paused');
});

test('the page in Japanese, graphs described in Japanese; no errors in the browser console', async () => {
  const { page } = run;
  await page.context().addCookies([{ name: 'mb_lang', value: 'ja', url: run.svc.base }]);
  try {
    await page.goto(`${run.svc.base}/console/triggers`);
    assert.equal(await page.textContent('h1'), 'トリガー');
    assert.match((await page.textContent(`#throughput-${TRIGGER}-desc`)) ?? '', /直近 1 時間に配信済み \d+ 件/);
    assert.match((await page.textContent(`${section} table.deliveries`)) ?? '', /配信済み/);
    assert.match((await page.textContent(`${section} table.deliveries`)) ?? '', /\d{4}\/\d\d\/\d\d \d\d:\d\d JST/);
    await run.shot('4-triggers-ja');
  } finally {
    await page.context().addCookies([{ name: 'mb_lang', value: 'en', url: run.svc.base }]);
  }
  // The browser's own /favicon.ico probe answers 401 until the console serves a favicon.
  const errors = run.consoleMessages.filter((m) => !/status of 401/.test(m));
  assert.deepEqual(errors, []);
});
