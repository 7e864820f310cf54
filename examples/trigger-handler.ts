/**
 * A trigger with a TypeScript handler: every new message of the resource's inbox is handed to `onMessage`, at least
 * once (a handler that throws is retried with backoff, then the message goes to the dead-letter list).
 *
 * Run: MAILBRIDGE_HOME=~/.mailbridge RESOURCE=work-imap node --import tsx examples/trigger-handler.ts
 * STOP_AFTER=N stops after N messages (the example's test uses it); otherwise it runs until Ctrl-C.
 */
import { openStore, saveTrigger, TokenManager, TriggerRunner, type TriggerHandler } from 'mailbridge';

const home = process.env['MAILBRIDGE_HOME'];
const resource = process.env['RESOURCE'];
if (!home || !resource) throw new Error('set MAILBRIDGE_HOME and RESOURCE');
const stopAfter = Number(process.env['STOP_AFTER'] ?? Infinity);

const store = await openStore({ home, env: process.env });
let handled = 0;
let done: () => void = () => undefined;
const finished = new Promise<void>((resolve) => { done = resolve; });

const onMessage: TriggerHandler = async (delivery) => {
  // `attempt` > 1 means this message may have been handled before: make the work idempotent.
  console.log(`message: ${delivery.message.subject} (attempt ${delivery.attempt}, ${delivery.raw.length} bytes)`);
  if (++handled >= stopAfter) done();
};

// The definition lives in the store, like one made by `mailbridge trigger add`; `start: 'all'` also takes the
// messages already there.
await saveTrigger(store, {
  name: 'print-new-mail', resource, start: 'all', mode: 'poll', pollIntervalSeconds: 1,
  target: { kind: 'handler', name: 'print' },
});
const runner = new TriggerRunner({ store, tokens: new TokenManager({ store }), handlers: { print: onMessage }, syncIntervalMs: 1000 });
await runner.start();
process.once('SIGINT', done);
await finished;
await runner.stop();
await store.close();
