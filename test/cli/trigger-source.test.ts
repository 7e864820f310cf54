/** `mailbridge trigger source ID`: the raw source kept with a dead letter, byte for byte on stdout. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { parseTriggerDefinition } from '../../src/config/trigger.js';
import { mailbridge } from '../helpers/cli.js';

test('trigger source writes a dead letter\'s kept source; a delivery without one is refused with a hint', async () => {
  const home = await mkdtemp(join(tmpdir(), 'mb-cli-source-'));
  try {
    const env = { MAILBRIDGE_HOME: home };
    const store = await openStore({ home, env });
    const raw = Buffer.from('From: a@example.test\r\nSubject: poison\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n');
    await store.putTrigger(parseTriggerDefinition({ name: 't', resource: 'r', target: { kind: 'handler', name: 'h' } }));
    await store.recordDelivery({ id: 'dead-1', trigger: 't', messageKey: 'u1', status: 'dead', attempts: 0, raw,
      lastError: 'refused before delivery: MIME_MALFORMED', source: { kind: 'pop3', uidl: 'u1' } });
    await store.recordDelivery({ id: 'ok-1', trigger: 't', messageKey: 'u2', status: 'delivered', attempts: 1,
      source: { kind: 'pop3', uidl: 'u2' } });
    await store.close();

    const got = await mailbridge(home, ['trigger', 'source', 'dead-1']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, raw.toString('utf8'), 'the source as kept, nothing added');

    const none = await mailbridge(home, ['trigger', 'source', 'ok-1']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no raw source is kept for delivery ok-1.*TRIGGER_SOURCE_NOT_KEPT/);
    assert.match(none.stderr, /mailbridge get RESOURCE ID --raw/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
