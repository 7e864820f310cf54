import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../src/log.js';
import { MAX_BATCH_STEPS, batchStepError, sendBatch } from '../../../src/protocols/graph/batch.js';
import { createGraphHttp, type GraphHttp } from '../../../src/protocols/graph/http.js';
import { Secret } from '../../../src/secret.js';
import { isMailbridgeError } from '../../../src/errors.js';
import { ALICE, BOB, startGraphRig, type GraphRig } from '../../sandbox/exchange/graph/support.js';

/** The real sandbox Graph; the client's own debug log says which HTTP requests went out. */
describe('Graph JSON batching client (sendBatch)', () => {
  let rig: GraphRig;
  let http: GraphHttp;
  let lines: Record<string, unknown>[] = [];
  let logger: ReturnType<typeof createLogger>;

  before(async () => {
    rig = await startGraphRig();
    const token = await rig.token({ roles: ['Mail.ReadWrite'] });
    logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(c, _e, cb) {
          for (const l of String(c).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
          cb();
        },
      }),
    });
    http = createGraphHttp({
      baseUrl: rig.graph.url,
      tokens: { getAccessToken: async () => new Secret(token) },
      mailbox: ALICE,
      tls: { ca: rig.ctx.tls.ca },
      logger,
    });
  });
  after(async () => {
    http.close();
    await rig.close();
  });

  const batchPosts = () => lines.filter((l) => l['path'] === '/v1.0/$batch' && l['method'] === 'POST').length;

  it('splits 45 steps into batches of 20 and answers in the order asked', async () => {
    lines = [];
    const mailboxes = [ALICE, BOB];
    const steps = Array.from({ length: 45 }, (_, i) => ({
      method: 'GET' as const,
      url: `/users/${mailboxes[i % 2]}/mailFolders/inbox`,
    }));
    const answers = await sendBatch(http, steps);
    assert.equal(MAX_BATCH_STEPS, 20);
    assert.equal(batchPosts(), 3, '45 steps = 20 + 20 + 5');
    assert.equal(answers.length, 45);
    for (const a of answers) assert.equal(a.status, 200);
    // Each answer is its own step's: the folder's parent is its own mailbox's.
    const owners = answers.map((a) => (a.body as { id: string }).id);
    assert.equal(new Set(owners.filter((_, i) => i % 2 === 0)).size, 1);
    assert.notEqual(owners[0], owners[1]);
  });

  it('a 429 inside a batch: that step alone is sent again after Retry-After, the others are kept', async () => {
    lines = [];
    rig.ctx.faults.add({ protocol: 'graph', mailbox: BOB, kind: 'throttle', value: 1, times: 1 });
    const answers = await sendBatch(
      http,
      [
        { method: 'GET', url: `/users/${ALICE}/mailFolders/inbox` },
        { method: 'GET', url: `/users/${BOB}/mailFolders/inbox` },
      ],
      { logger },
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
    );
    assert.equal(batchPosts(), 2, 'the first batch, then one with the throttled step');
    const waited = lines.find((l) => l['event'] === 'graph_batch_throttled');
    assert.ok(waited, 'the throttling is logged');
    assert.equal(waited['steps'], 1);
    assert.equal(waited['waitMs'], 1000, "the wait is the step's Retry-After");
  });

  it('throttled past maxRetries: the 429 is the answer, and batchStepError makes it the typed throttling error', async () => {
    lines = [];
    rig.ctx.faults.add({ protocol: 'graph', mailbox: BOB, kind: 'throttle', value: 1, times: 2 });
    const step = { method: 'GET' as const, url: `/users/${BOB}/mailFolders/inbox` };
    const [a] = await sendBatch(http, [step], { maxRetries: 1 });
    assert.equal(a?.status, 429);
    assert.equal(batchPosts(), 2);
    const e = batchStepError(http, step, a!);
    assert.ok(isMailbridgeError(e));
    assert.equal(e.details['status'], 429);
    assert.equal(e.details['retryAfterMs'], 1000);
  });
});
