/**
 * Closing an EWS streaming watch while its GetStreamingEvents still waits for the server's answer
 * (issue 18, 1,000 one-connection triggers in one process): a busy Exchange can take minutes to
 * answer, and a trigger whose sync failed meanwhile closes its feed to start again. The abort
 * used to be hooked to the response only once it had arrived, so it was lost: close() waited
 * for the server to answer, and the stream then opened ran on, unwatched, for its whole
 * ConnectionTimeout (30 minutes), with the trigger stuck before its first sync all that time.
 * The sandbox holds the request with a `slow` fault far longer than the test may take.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ewsEndpoint } from '../../src/protocols/ews/client.js';
import { openEwsMailbox } from '../../src/mail/ews-mailbox.js';
import { EwsStreamingWatch } from '../../src/mail/ews-streaming.js';
import type { EwsStreamingState } from '../../src/store/store.js';
import { exchangeFixture } from '../triggers/exchange-support.js';
import { until } from '../triggers/support.js';

test(
  'closing a streaming watch whose GetStreamingEvents the server has not answered yet ends it, and no stream opens',
  { timeout: 60_000 },
  async () => {
    const f = await exchangeFixture(['ews']);
    const resource = await f.store.getResource('ews');
    assert.ok(resource);
    const mailbox = openEwsMailbox({ resource, tokens: f.tokens.provider('ews') });
    const streaming = f.sandbox.ews.streaming;
    try {
      // Subscribed beforehand, so the watch's first request is its GetStreamingEvents.
      let state: EwsStreamingState | undefined = { subscriptionId: await mailbox.streaming.subscribe('INBOX') };
      // Ten minutes: far beyond this test's timeout, so only an abort that reaches the request ends it.
      f.sandbox.admin.addFault({ protocol: 'ews', mailbox: f.user, kind: 'slow', value: 600_000, times: 1 });
      const watch = new EwsStreamingWatch({
        api: mailbox.streaming,
        folder: 'INBOX',
        host: ewsEndpoint(resource).hostname,
        state: {
          load: async () => state,
          save: async (s) => {
            state = s;
          },
          forget: async () => {
            state = undefined;
          },
        },
      });
      watch.start();
      // The sandbox took the fault: the GetStreamingEvents is at the server, unanswered.
      await until('the request held by the server', async () => f.sandbox.admin.listFaults().length === 0);
      await watch.close();
      assert.equal(streaming.stats().connectionsOpened, 0, 'the watch ended before any stream opened');
      assert.equal(streaming.stats().connections, 0);
      assert.ok(state?.subscriptionId, 'the subscription is kept for the next connection');
    } finally {
      await mailbox.close();
      await f.close();
    }
  },
);
