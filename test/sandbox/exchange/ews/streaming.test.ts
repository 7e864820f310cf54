/**
 * EWS streaming notifications of the sandbox, spoken to by hand: Subscribe with a
 * StreamingSubscriptionRequest, GetStreamingEvents as one long chunked response (a keep-alive
 * first, events as they happen, ConnectionStatus Closed when the lifetime ends), events queued
 * while no connection is open, expiry (ErrorSubscriptionNotFound), another caller's subscription
 * (ErrorInvalidSubscription), the per-mailbox connection limit, Unsubscribe. Every envelope of
 * the stream is checked against Microsoft's schema.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import {
  assertAllSchemaValid,
  first,
  impersonate,
  rawMessage,
  responseCodes,
  soap,
  startEwsRig,
  type EwsRig,
  type EwsResponse,
} from './support.js';

const subscribeInbox = soap(
  '<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="inbox"/></t:FolderIds>' +
    '<t:EventTypes><t:EventType>NewMailEvent</t:EventType><t:EventType>CreatedEvent</t:EventType></t:EventTypes>' +
    '</m:StreamingSubscriptionRequest></m:Subscribe>',
);
const getEvents = (id: string, minutes: number | string = 1) =>
  soap(
    `<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>${id}</t:SubscriptionId></m:SubscriptionIds>` +
      `<m:ConnectionTimeout>${minutes}</m:ConnectionTimeout></m:GetStreamingEvents>`,
  );
const getEventsOf = (ids: readonly string[]) =>
  soap(
    `<m:GetStreamingEvents><m:SubscriptionIds>${ids.map((id) => `<t:SubscriptionId>${id}</t:SubscriptionId>`).join('')}</m:SubscriptionIds>` +
      '<m:ConnectionTimeout>1</m:ConnectionTimeout></m:GetStreamingEvents>',
  );
const unsubscribe = (id: string) => soap(`<m:Unsubscribe><m:SubscriptionId>${id}</m:SubscriptionId></m:Unsubscribe>`);

/** Reads a GetStreamingEvents response envelope by envelope, as they arrive. */
class EnvelopeReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  constructor(res: Response) {
    this.#reader = res.body!.getReader();
  }

  /** The next whole envelope, or undefined when the response ended. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const end = /<\/(?:\w+:)?Envelope>/.exec(this.#buffer);
      if (end) {
        const doc = this.#buffer.slice(0, end.index + end[0].length).trim();
        this.#buffer = this.#buffer.slice(end.index + end[0].length);
        return doc;
      }
      const { done, value } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}

describe('EWS streaming notifications', () => {
  let rig: EwsRig;
  let token: string;
  /** Every answer and envelope seen: validated against the schema in one xmllint run at the end. */
  const seen: string[] = [];
  const check = (xml: string) => {
    seen.push(xml);
    return xml;
  };
  const valid = async (res: Promise<EwsResponse>) => {
    const r = await res;
    assert.equal(r.status, 200, r.text.slice(0, 500));
    return check(r.text);
  };
  const inbox = () => rig.ctx.store.mailbox(SANDBOX.alice)!.folder('inbox')!;
  const subscribe = async () => {
    const text = await valid(rig.post(subscribeInbox, { token }));
    assert.deepEqual(responseCodes(text), ['NoError']);
    return first(text, /<m:SubscriptionId>([^<]+)</)!;
  };
  before(async () => {
    rig = await startEwsRig();
    token = await rig.userToken();
  });
  after(() => rig.close());

  it('streams a keep-alive, then each new message as it arrives, then ConnectionStatus Closed when the lifetime ends', async () => {
    rig.streaming.setLimits({ keepAliveMs: 60_000, maxConnectionMs: 60_000 });
    const id = await subscribe();
    const res = await rig.postStream(getEvents(id), { token });
    assert.equal(res.status, 200);
    const stream = new EnvelopeReader(res);
    const hello = (await stream.next())!;
    check(hello);
    assert.match(hello, /<m:ConnectionStatus>OK<\/m:ConnectionStatus>/);
    assert.doesNotMatch(hello, /Notification/);

    await inbox().append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'streamed' }));
    const event = (await stream.next())!;
    check(event);
    assert.match(event, /<t:SubscriptionId>[^<]+<\/t:SubscriptionId>/);
    assert.match(
      event,
      /<t:NewMailEvent><t:Watermark>[^<]+<\/t:Watermark><t:TimeStamp>[^<]+<\/t:TimeStamp><t:ItemId Id="[^"]+"\/><t:ParentFolderId Id="[^"]+"\/><\/t:NewMailEvent>/,
    );
    assert.match(event, /<t:CreatedEvent>/);

    // The lifetime ends (the server's cap, shortened here): a last envelope says Closed and the body ends.
    rig.streaming.setLimits({ maxConnectionMs: 1 });
    const res2 = await rig.postStream(getEvents(id), { token });
    const s2 = new EnvelopeReader(res2);
    const envelopes: string[] = [];
    for (let e = await s2.next(); e !== undefined; e = await s2.next()) envelopes.push(e);
    await stream.cancel();
    const last = envelopes.at(-1)!;
    check(last);
    assert.match(last, /<m:ConnectionStatus>Closed<\/m:ConnectionStatus>/);
  });

  it('keeps the events that happen while no connection is open and hands them to the next one', async () => {
    rig.streaming.setLimits({ keepAliveMs: 60_000, maxConnectionMs: 60_000 });
    const id = await subscribe();
    await inbox().append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'while away' }));
    const stream = new EnvelopeReader(await rig.postStream(getEvents(id), { token }));
    const first = (await stream.next())!;
    await stream.cancel();
    check(first);
    assert.match(first, /<t:NewMailEvent>/);
  });

  it("answers a subscription it no longer knows with ErrorSubscriptionNotFound, another caller's with ErrorInvalidSubscription", async () => {
    const id = await subscribe();
    const bob = await rig.userToken(SANDBOX.bob);
    const foreign = await valid(rig.post(getEvents(id), { token: bob }));
    assert.deepEqual(responseCodes(foreign), ['ErrorInvalidSubscription']);

    assert.equal(rig.streaming.expireSubscriptions() > 0, true);
    const gone = await valid(rig.post(getEvents(id), { token }));
    assert.deepEqual(responseCodes(gone), ['ErrorSubscriptionNotFound']);
    assert.match(gone, /<m:ErrorSubscriptionIds><t:SubscriptionId>/);
  });

  it('tells an open connection that its subscription expired, then closes it', async () => {
    rig.streaming.setLimits({ keepAliveMs: 60_000, maxConnectionMs: 60_000 });
    const id = await subscribe();
    const stream = new EnvelopeReader(await rig.postStream(getEvents(id), { token }));
    await stream.next();
    rig.streaming.expireSubscriptions();
    const told = (await stream.next())!;
    check(told);
    assert.deepEqual(responseCodes(told), ['ErrorSubscriptionNotFound']);
    assert.match(told, /<m:ConnectionStatus>Closed<\/m:ConnectionStatus>/);
    assert.equal(await stream.next(), undefined);
  });

  it('refuses a connection over the per-mailbox limit with ErrorExceededConnectionCount', async () => {
    rig.streaming.setLimits({ connectionsPerMailbox: 1, keepAliveMs: 60_000, maxConnectionMs: 60_000 });
    const a = await subscribe();
    const b = await subscribe();
    const stream = new EnvelopeReader(await rig.postStream(getEvents(a), { token }));
    await stream.next();
    const refused = await valid(rig.post(getEvents(b), { token }));
    assert.deepEqual(responseCodes(refused), ['ErrorExceededConnectionCount']);
    await stream.cancel();
    rig.streaming.setLimits({ connectionsPerMailbox: 10 });
  });

  it('refuses a ConnectionTimeout outside 1–30 minutes as the schema does', async () => {
    const id = await subscribe();
    const res = await rig.post(getEvents(id, 31), { token });
    assert.equal(res.status, 500);
    assert.match(res.text, /ErrorSchemaValidation/);
  });

  it('ends a subscription with Unsubscribe', async () => {
    const id = await subscribe();
    assert.deepEqual(responseCodes(await valid(rig.post(unsubscribe(id), { token }))), ['NoError']);
    assert.deepEqual(responseCodes(await valid(rig.post(unsubscribe(id), { token }))), ['ErrorSubscriptionNotFound']);
  });

  it('carries several subscriptions on one connection: events of each, one failing alone, the cap, the unknown ones named', async () => {
    rig.streaming.setLimits({ keepAliveMs: 60_000, maxConnectionMs: 60_000, subscriptionsPerConnection: 3 });
    const [a, b, c] = [await subscribe(), await subscribe(), await subscribe()];
    const before = rig.streaming.stats();
    const stream = new EnvelopeReader(await rig.postStream(getEventsOf([a!, b!, c!]), { token }));
    check((await stream.next())!);
    assert.equal(rig.streaming.stats().connections, before.connections + 1, 'one connection for the three');
    assert.ok(rig.streaming.stats().connectionSizes.includes(3));

    await inbox().append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'to three' }));
    const event = check((await stream.next())!);
    const notified = [...event.matchAll(/<t:Notification><t:SubscriptionId>([^<]+)</g)].map((x) => x[1]).sort();
    assert.deepEqual(notified, [a, b, c].sort(), 'a t:Notification per subscription in one envelope');

    // One subscription fails: the connection names it and goes on with the others.
    assert.equal(rig.streaming.failSubscription(b!, 'ErrorMissedNotificationEvents'), true);
    const told = check((await stream.next())!);
    assert.deepEqual(responseCodes(told), ['ErrorMissedNotificationEvents']);
    assert.match(
      told,
      new RegExp(`<m:ErrorSubscriptionIds><t:SubscriptionId>${b}</t:SubscriptionId></m:ErrorSubscriptionIds>`),
    );
    assert.match(told, /<m:ConnectionStatus>OK<\/m:ConnectionStatus>/);
    await inbox().append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'to two' }));
    const after = check((await stream.next())!);
    assert.deepEqual(
      [...after.matchAll(/<t:Notification><t:SubscriptionId>([^<]+)</g)].map((x) => x[1]).sort(),
      [a, c].sort(),
    );
    await stream.cancel();

    // The lost one named alone among live ones; more than the cap refused before anything streams.
    const named = check(await valid(rig.post(getEventsOf([a!, b!]), { token })));
    assert.deepEqual(responseCodes(named), ['ErrorSubscriptionNotFound']);
    assert.deepEqual(
      [...named.matchAll(/<t:SubscriptionId>([^<]+)</g)].map((x) => x[1]),
      [b],
    );
    const d = await subscribe();
    const over = await valid(rig.post(getEventsOf([a!, c!, d, await subscribe()]), { token }));
    assert.deepEqual(responseCodes(over), ['ErrorInvalidSubscription']);
    assert.match(over, /at most 3 subscriptions/);
    rig.streaming.setLimits({ subscriptionsPerConnection: 200 });
  });

  it('keeps affinity loosely: an app-only group request may anchor on another mailbox, gets a cookie, and carrying it back is counted', async () => {
    const app = await rig.appToken();
    const headers = { 'x-preferserveraffinity': 'true' };
    // Subscribe for bob anchored on alice (the group's first mailbox): allowed with affinity, and a cookie comes back.
    const res = await rig.post(
      soap(subscribeInbox.match(/<soap:Body>([\s\S]*)<\/soap:Body>/)![1]!, impersonate(SANDBOX.bob)),
      { token: app, anchor: SANDBOX.alice, headers },
    );
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.deepEqual(responseCodes(check(res.text)), ['NoError']);
    const cookie = /X-BackEndOverrideCookie=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(cookie, 'the answer sets X-BackEndOverrideCookie');
    const carried = rig.streaming.stats().affinity.requestsWithCookie;
    const again = await rig.post(
      soap(subscribeInbox.match(/<soap:Body>([\s\S]*)<\/soap:Body>/)![1]!, impersonate(SANDBOX.alice)),
      {
        token: app,
        anchor: SANDBOX.alice,
        headers: { ...headers, cookie: `X-BackEndOverrideCookie=${cookie}` },
      },
    );
    assert.equal(again.status, 200);
    assert.equal(rig.streaming.stats().affinity.requestsWithCookie, carried + 1);
    // Without X-PreferServerAffinity the anchor must still name the impersonated mailbox.
    const plain = await rig.post(
      soap(subscribeInbox.match(/<soap:Body>([\s\S]*)<\/soap:Body>/)![1]!, impersonate(SANDBOX.bob)),
      { token: app, anchor: SANDBOX.alice },
    );
    assert.equal(plain.status, 500);
    assert.match(plain.text, /ErrorInvalidExchangeImpersonationHeaderData/);
  });

  it('wrote every answer and envelope above as messages.xsd says', async () => {
    assert.ok(seen.length > 10);
    await assertAllSchemaValid(seen);
  });
});
