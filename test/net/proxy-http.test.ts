/**
 * Every HTTP call through a real proxy (Debian's tinyproxy on loopback): a token refresh at the
 * identity emulator, Graph and EWS calls at the sandbox, a trigger webhook through HTTP_PROXY,
 * NO_PROXY going around it, Basic authentication (right and wrong), a proxy that refuses
 * CONNECT and one that is not there. The proxy's own log shows what went through it.
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import { isMailbridgeError } from '../../src/errors.js';
import { openEwsMailbox } from '../../src/mail/ews-mailbox.js';
import { openGraphMailbox } from '../../src/mail/graph-mailbox.js';
import { netFetch } from '../../src/net/fetch.js';
import { postWebhook } from '../../src/triggers/webhook.js';
import { signIn, startAuthTestEnv, type AuthTestEnv } from '../auth/support.js';
import { failure, freePort, haveCommand, type RunningProxy, startTinyproxy } from '../helpers/proxies.js';
import { startGraphWorld, uniqueUser, type GraphWorld } from '../mail/graph-support.js';
import { startEwsSandbox, type EwsSandbox } from '../protocols/ews/support.js';

const skip = haveCommand('tinyproxy') ? false : 'tinyproxy is not installed (scripts/setup-debian.sh installs it)';

/** Runs `fn` with these environment variables set (and the old values back afterwards). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const old: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    old[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const NO_PROXY_ENV = {
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
};

describe('HTTP through a proxy', { skip, timeout: 60_000 }, () => {
  let proxy: RunningProxy;
  let authed: RunningProxy;
  let refusing: RunningProxy;
  let auth: AuthTestEnv;
  let graph: GraphWorld;
  let ews: EwsSandbox & { closeAll(): Promise<void> };

  before(async () => {
    [proxy, authed, refusing] = await Promise.all([
      startTinyproxy(),
      startTinyproxy({ auth: { user: 'alice', password: 'pr0xy-pass' } }),
      // CONNECT only to port 1: every real tunnel is refused with 403.
      startTinyproxy({ connectPorts: [1] }),
    ]);
    auth = await startAuthTestEnv();
    await auth.addResource({ name: 'inbox', kind: 'imap' });
    await signIn(auth, 'inbox');
    graph = await startGraphWorld();
    ews = await startEwsSandbox();
  });
  after(async () => {
    await ews?.closeAll();
    await graph?.close();
    await auth?.close();
    await Promise.all([proxy?.close(), authed?.close(), refusing?.close()]);
  });

  const port = (url: string): string => new URL(url).port;

  it("refreshes a token through the resource's proxy: the proxy logs the CONNECT to the identity platform", async () => {
    const r = await auth.store.getResource('inbox');
    assert.ok(r);
    await auth.store.putResource({ ...r, proxy: proxy.url });
    const token = await auth.manager().getAccessToken('inbox', { audience: OUTLOOK_RESOURCE, forceRefresh: true });
    assert.ok(token.token.reveal().length > 20);
    assert.match(proxy.log(), new RegExp(`CONNECT (127\\.0\\.0\\.1|localhost):${port(auth.emulator.url)} `));
  });

  it('calls Graph through the proxy (delegated token), TLS verified end to end with the sandbox CA', async () => {
    const user = uniqueUser();
    await graph.deliver(user, 'From: a@example.com\r\nTo: x@example.com\r\nSubject: via proxy\r\n\r\nbody\r\n');
    const m = await openGraphMailbox({
      resource: { ...graph.resource({ user }), proxy: proxy.url },
      tokens: graph.delegated(user),
    });
    try {
      const list = await m.list();
      assert.deepEqual(
        list.map((s) => s.subject),
        ['via proxy'],
      );
    } finally {
      await m.close();
    }
    assert.match(proxy.log(), new RegExp(`CONNECT (127\\.0\\.0\\.1|localhost):${port(graph.graphUrl)} `));
  });

  it('calls EWS through the proxy', async () => {
    const resource = ews.resource('alice@contoso.onmicrosoft.com');
    const m = openEwsMailbox({
      resource: { ...resource, proxy: proxy.url },
      tokens: ews.delegated('alice@contoso.onmicrosoft.com'),
      client: { timeoutMs: 10_000 },
    });
    try {
      await m.verify();
    } finally {
      await m.close();
    }
    assert.match(proxy.log(), new RegExp(`CONNECT (127\\.0\\.0\\.1|localhost):${port(resource.server.host)} `));
  });

  it('proxy: "none" connects directly even when HTTPS_PROXY names a proxy', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    await withEnv({ ...NO_PROXY_ENV, HTTPS_PROXY: dead, HTTP_PROXY: dead }, async () => {
      const user = uniqueUser();
      const m = await openGraphMailbox({
        resource: { ...graph.resource({ user }), proxy: 'none' },
        tokens: graph.delegated(user),
      });
      try {
        assert.deepEqual(await m.list(), []);
      } finally {
        await m.close();
      }
    });
  });

  describe('webhooks through HTTP_PROXY, and NO_PROXY', () => {
    let receiver: Server;
    let received = 0;
    let host = '';
    before(async () => {
      receiver = createServer((req, res) => {
        received++;
        req.resume();
        res.end('ok');
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      // Loopback names never go through an environment proxy, so the webhook is addressed by
      // this machine's name, which the proxy resolves (to loopback, where the receiver listens).
      const name = hostname();
      const addr = await lookup(name).catch(() => undefined);
      host = addr?.address === '127.0.0.1' ? name : '';
    });
    after(() => new Promise<void>((r) => receiver.close(() => r())));
    const payload = { deliveryId: 'd1' } as unknown as Parameters<typeof postWebhook>[0]['payload'];

    it('goes through HTTP_PROXY (the proxy logs it) and around it for a host in NO_PROXY', async (t) => {
      if (!host) return t.skip("this machine's name does not resolve to 127.0.0.1");
      const url = `http://${host}:${(receiver.address() as AddressInfo).port}/hook`;
      const before = received;
      await withEnv({ ...NO_PROXY_ENV, HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,.corp.example' }, async () => {
        const r = await postWebhook({ url, payload, timeoutMs: 10_000 });
        assert.equal(r.ok, true, r.detail);
      });
      assert.equal(received, before + 1);
      const seen = (proxy.log().match(new RegExp(`${host}:${(receiver.address() as AddressInfo).port}`, 'g')) ?? [])
        .length;
      assert.ok(seen >= 1, 'the proxy saw the webhook');
      await withEnv(
        { ...NO_PROXY_ENV, http_proxy: proxy.url, no_proxy: `other.example, ${host.toUpperCase()}` },
        async () => {
          const r = await postWebhook({ url, payload, timeoutMs: 10_000 });
          assert.equal(r.ok, true, r.detail);
        },
      );
      assert.equal(received, before + 2);
      const seenAfter = (
        proxy.log().match(new RegExp(`${host}:${(receiver.address() as AddressInfo).port}`, 'g')) ?? []
      ).length;
      assert.equal(seenAfter, seen, 'NO_PROXY: the proxy saw nothing more');
    });
  });

  describe('a proxy that wants Basic authentication', () => {
    it('works with the right credentials in the proxy URL, and with MAILBRIDGE_PROXY_USER/PASSWORD', async () => {
      const withCreds = authed.url.replace('http://', 'http://alice:pr0xy%2Dpass@');
      await withEnv({ ...NO_PROXY_ENV, HTTPS_PROXY: withCreds }, async () => {
        const res = await netFetch({ proxy: undefined })(`https://${hostname()}.invalid/`).catch((e: unknown) => e);
        // The proxy accepted us and then could not resolve the name: that is the proxy's 5xx, not a 407.
        assert.ok(isMailbridgeError(res) && res.code === 'PROXY_CONNECT_REFUSED', String(res));
      });
      await withEnv(
        { ...NO_PROXY_ENV, MAILBRIDGE_PROXY_USER: 'alice', MAILBRIDGE_PROXY_PASSWORD: 'pr0xy-pass' },
        async () => {
          const user = uniqueUser();
          const m = await openGraphMailbox({
            resource: { ...graph.resource({ user }), proxy: authed.url },
            tokens: graph.delegated(user),
          });
          try {
            assert.deepEqual(await m.list(), []);
          } finally {
            await m.close();
          }
        },
      );
      assert.match(authed.log(), new RegExp(`CONNECT (127\\.0\\.0\\.1|localhost):${port(graph.graphUrl)} `));
    });

    it('without or with wrong credentials: PROXY_AUTH_FAILED naming the proxy, never the password', async () => {
      await withEnv({ ...NO_PROXY_ENV }, async () => {
        const user = uniqueUser();
        const m = await openGraphMailbox({
          resource: { ...graph.resource({ user }), proxy: authed.url },
          tokens: graph.delegated(user),
        });
        const e = await failure(m.list());
        await m.close();
        assert.equal(e.code, 'PROXY_AUTH_FAILED');
        assert.match(e.message, /asks for credentials \(407\)/);
        assert.ok(e.message.includes(authed.url));
      });
      await withEnv(
        { ...NO_PROXY_ENV, MAILBRIDGE_PROXY_USER: 'alice', MAILBRIDGE_PROXY_PASSWORD: 'wrong-secret' },
        async () => {
          const r = await auth.store.getResource('inbox');
          assert.ok(r);
          await auth.store.putResource({ ...r, proxy: authed.url });
          const e = await failure(
            auth.manager().getAccessToken('inbox', { audience: OUTLOOK_RESOURCE, forceRefresh: true }),
          );
          assert.equal(e.code, 'PROXY_AUTH_FAILED', e.message);
          assert.match(e.message, /refused the credentials \((401|407)\)/);
          assert.ok(e.message.includes('alice@127.0.0.1'));
          assert.ok(!JSON.stringify(e.toJSON()).includes('wrong-secret') && !e.message.includes('wrong-secret'));
          await auth.store.putResource({ ...r, proxy: proxy.url });
        },
      );
    });
  });

  it('a proxy that refuses CONNECT: PROXY_CONNECT_REFUSED with the status and the way around it', async () => {
    const user = uniqueUser();
    const m = await openGraphMailbox({
      resource: { ...graph.resource({ user }), proxy: refusing.url },
      tokens: graph.delegated(user),
    });
    const e = await failure(m.list());
    await m.close();
    assert.equal(e.code, 'PROXY_CONNECT_REFUSED');
    assert.match(e.message, /refused to connect to (127\.0\.0\.1|localhost):\d+ \(403\)/);
    assert.match(e.hint ?? '', /NO_PROXY|proxy: "none"/);
  });

  it('a proxy that is not there: PROXY_UNREACHABLE naming where it was looked for', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const e = await failure(
      withEnv({ ...NO_PROXY_ENV, HTTPS_PROXY: dead }, () => netFetch()('https://login.example.invalid/')),
    );
    assert.equal(e.code, 'PROXY_UNREACHABLE');
    assert.match(e.message, /cannot reach the proxy http:\/\/127\.0\.0\.1:\d+ \(HTTPS_PROXY\): ECONNREFUSED/);
  });
});
