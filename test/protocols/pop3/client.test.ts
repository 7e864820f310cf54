/**
 * The POP3 client against the rig's real Dovecot (tokens from the identity emulator).
 * A byte-counting TCP relay in front of Dovecot cuts connections mid-transfer on purpose:
 * it is wiring between two real parties, not a stand-in for either.
 */
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AccessTokenProvider } from '../../../src/auth/token-provider.js';
import { ConfigError, MailbridgeError, ProtocolError } from '../../../src/errors.js';
import { connectPop3, type Pop3Session } from '../../../src/protocols/pop3/client.js';
import { loadRig, mintingProvider, type Rig } from '../../helpers/rig.js';

let rig: Rig;
before(() => {
  rig = loadRig();
});

/** A message with the bytes POP3 gets wrong most easily: leading dots, a lone dot, 8-bit ISO-2022-JP. */
function sampleMessage(subject: string): Buffer {
  const jis = Buffer.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x38, 0x6c, 0x1b, 0x28, 0x42]); // 日本語 in ISO-2022-JP
  return Buffer.concat([
    Buffer.from(`From: sender@example.test\r\nTo: someone@example.test\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n`),
    jis,
    Buffer.from('\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n'),
  ]);
}

async function open(user: string, over: Parameters<Rig['resource']>[2] = {}, tokens: AccessTokenProvider = mintingProvider(rig, user)): Promise<Pop3Session> {
  return connectPop3({ resource: rig.resource('pop3', user, over), tokens, timeoutMs: 10_000 });
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MailbridgeError, `expected a MailbridgeError, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${code}, got success`);
}

describe('POP3 over TLS with XOAUTH2', () => {
  test('STAT, LIST, UIDL and RETR byte for byte; sizes agree with the bytes', async () => {
    const user = rig.uniqueMailbox();
    const raws = [sampleMessage('one'), sampleMessage('two')];
    for (const raw of raws) await rig.deliver(user, raw);
    const s = await open(user);
    try {
      assert.ok(s.capabilities.has('UIDL'));
      const stat = await s.stat();
      assert.equal(stat.count, 2);
      const list = await s.list();
      assert.deepEqual(list.map((m) => m.number), [1, 2]);
      const uids = await s.uidl();
      assert.equal(new Set(uids.map((u) => u.uid)).size, 2);
      for (const [i, raw] of raws.entries()) {
        const got = await s.retrieve(i + 1);
        // Delivery prepends trace headers (Return-Path, Delivered-To, Received); the rest is ours, unchanged.
        assert.ok(got.subarray(got.length - raw.length).equals(raw), 'message bytes differ');
        assert.match(got.subarray(0, got.length - raw.length).toString('latin1'), /^Return-Path: /);
        assert.equal(got.length, list[i]?.size);
      }
      assert.equal(stat.size, list.reduce((a, m) => a + m.size, 0));
    } finally {
      await s.quit();
    }
  });

  test('UIDs are stable across sessions, so a caller never fetches a message twice', async () => {
    const user = rig.uniqueMailbox();
    await rig.deliver(user, sampleMessage('a'));
    const first = await open(user);
    const [seen] = await first.uidl();
    await first.quit();
    await rig.deliver(user, sampleMessage('b'));
    const second = await open(user);
    const now = await second.uidl();
    await second.quit();
    assert.ok(seen);
    assert.deepEqual(now.filter((u) => u.uid !== seen.uid).length, 1);
    assert.ok(now.some((u) => u.uid === seen.uid));
  });

  test('DELE takes effect on QUIT only; RSET and a dropped session keep the mail', async () => {
    const user = rig.uniqueMailbox();
    for (const n of ['1', '2', '3']) await rig.deliver(user, sampleMessage(n));

    let s = await open(user);
    await s.delete(1);
    assert.equal((await s.stat()).count, 2);
    await s.reset();
    assert.equal((await s.stat()).count, 3);
    await s.delete(1);
    s.close(); // no QUIT
    assert.equal(await rig.countMessages(user), 3);

    s = await open(user);
    const uids = await s.uidl();
    await s.delete(1);
    await s.quit();
    assert.equal(await rig.countMessages(user), 2);

    s = await open(user);
    assert.deepEqual((await s.uidl()).map((u) => u.uid), uids.slice(1).map((u) => u.uid));
    await rejectsWith(s.retrieve(9), 'POP3_COMMAND_FAILED');
    await rejectsWith(s.retrieve(0), 'POP3_BAD_MESSAGE_NUMBER');
    await s.quit();
  });

  test('STLS on the plain port works the same', async () => {
    const user = rig.uniqueMailbox();
    await rig.deliver(user, sampleMessage('stls'));
    const s = await open(user, { secure: 'starttls' });
    assert.equal((await s.stat()).count, 1);
    await s.quit();
  });

  test('an expired token is refreshed once and the login succeeds', async () => {
    const user = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, user, { firstExpiresInSeconds: -60 });
    const s = await open(user, {}, tokens);
    await s.quit();
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }, { forceRefresh: true }]);
  });

  test('a token the server refuses twice is POP3_AUTH_FAILED with the hint and the server line', async () => {
    const user = rig.uniqueMailbox();
    const other = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, other); // valid, but for another mailbox
    const err = await rejectsWith(open(user, {}, tokens), 'POP3_AUTH_FAILED');
    assert.ok(err instanceof ProtocolError);
    assert.match(err.hint, /POP\.AccessAsUser\.All/);
    assert.match(String(err.details.serverResponse), /^-ERR/);
    assert.equal(err.details.family, 100);
    assert.deepEqual(tokens.calls.map((c) => c.forceRefresh), [false, true]);
    assert.doesNotMatch(JSON.stringify(err.toJSON()), /eyJ/);
  });

  test('basic auth: USER/PASS, and a wrong password is POP3_AUTH_FAILED', async () => {
    const user = rig.uniqueMailbox();
    await rig.deliver(user, sampleMessage('basic'));
    const resource = rig.resource('pop3', user, { authType: 'basic' });
    const s = await connectPop3({ resource, password: rig.basicPassword });
    assert.equal((await s.stat()).count, 1);
    await s.quit();
    const { Secret } = await import('../../../src/secret.js');
    await rejectsWith(connectPop3({ resource, password: new Secret('wrong') }), 'POP3_AUTH_FAILED');
  });
});

describe('POP3 TLS and transport failures', () => {
  test('the self-signed rig is refused until its CA is given', async () => {
    const user = rig.uniqueMailbox();
    const err = await rejectsWith(open(user, { tls: {} }), 'TLS_UNTRUSTED');
    assert.match(err.hint, /tls\.caFile/);
    const s = await open(user); // same, with tls.caFile
    await s.quit();
  });

  test('TLS to the STLS port is TLS_WRONG_MODE naming the right port', async () => {
    const user = rig.uniqueMailbox();
    const resource = rig.resource('pop3', user);
    const err = await rejectsWith(connectPop3({ resource: { ...resource, server: { ...resource.server, port: rig.pop3.starttlsPort } }, tokens: mintingProvider(rig, user), timeoutMs: 5000 }), 'TLS_WRONG_MODE');
    assert.match(err.hint, /110 with STLS|995 with TLS/);
  });

  test('XOAUTH2 without TLS is refused before connecting, allowed only for loopback when asked', async () => {
    const user = rig.uniqueMailbox();
    await rejectsWith(open(user, { secure: 'none' }), 'PLAINTEXT_AUTH_REFUSED');
    const s = await open(user, { secure: 'none', tls: { allowPlaintextLoopback: true } });
    await s.quit();
  });

  test('nothing listening is CONNECTION_REFUSED (family 100)', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    await new Promise<void>((r) => srv.close(() => r()));
    const user = rig.uniqueMailbox();
    const resource = rig.resource('pop3', user);
    const err = await rejectsWith(connectPop3({ resource: { ...resource, server: { ...resource.server, port } }, tokens: mintingProvider(rig, user) }), 'CONNECTION_REFUSED');
    assert.equal(err.details.family, 100);
  });

  test('a server that never greets is a TIMEOUT, not a hang', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const user = rig.uniqueMailbox();
      const resource = rig.resource('pop3', user, { secure: 'none', tls: { allowPlaintextLoopback: true } });
      const port = (silent.address() as AddressInfo).port;
      await rejectsWith(connectPop3({ resource: { ...resource, server: { ...resource.server, port } }, tokens: mintingProvider(rig, user), timeoutMs: 300 }), 'TIMEOUT');
    } finally {
      silent.close();
    }
  });

  test('a greeting that is not POP3 is PROTOCOL_VIOLATION', async () => {
    const http = createServer((c) => c.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const user = rig.uniqueMailbox();
      const resource = rig.resource('pop3', user, { secure: 'none', tls: { allowPlaintextLoopback: true } });
      const port = (http.address() as AddressInfo).port;
      const err = await rejectsWith(connectPop3({ resource: { ...resource, server: { ...resource.server, port } }, tokens: mintingProvider(rig, user), timeoutMs: 2000 }), 'PROTOCOL_VIOLATION');
      assert.equal(err.details.serverResponse, 'HTTP/1.1 400 Bad Request');
    } finally {
      http.close();
    }
  });
});

describe('POP3 connection dropped mid-RETR', () => {
  let relay: Server;
  let relayPort = 0;
  /** Bytes from the server after which the relay cuts the connection. */
  const CUT_AFTER = 256 * 1024;
  before(async () => {
    relay = createServer((client) => {
      const server = netConnect({ host: rig.pop3.host, port: rig.pop3.port });
      let fromServer = 0;
      server.on('data', (d: Buffer) => {
        fromServer += d.length;
        if (fromServer > CUT_AFTER) {
          client.destroy();
          server.destroy();
          return;
        }
        client.write(d);
      });
      client.on('data', (d: Buffer) => server.write(d));
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('close', () => server.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    relayPort = (relay.address() as AddressInfo).port;
  });
  after(() => relay.close());

  const big = () => Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.from(`${'x'.repeat(76)}\r\n`.repeat(16 * 1024))]); // ~1.3 MB

  const viaRelay = (user: string) => {
    const resource = rig.resource('pop3', user);
    return connectPop3({ resource: { ...resource, server: { ...resource.server, port: relayPort } }, tokens: mintingProvider(rig, user), timeoutMs: 10_000 });
  };

  test('retrieve() rejects with CONNECTION_DROPPED (family 103) and returns nothing partial', async () => {
    const user = rig.uniqueMailbox();
    await rig.deliver(user, big());
    const s = await viaRelay(user);
    const err = await rejectsWith(s.retrieve(1), 'CONNECTION_DROPPED');
    assert.equal(err.details.family, 103);
    // The session is closed, and the message is still on the server.
    await rejectsWith(s.stat(), 'CONNECTION_DROPPED');
    assert.equal(await rig.countMessages(user), 1);
  });

  test('retrieveStream() errors instead of ending, so a writer knows to discard', async () => {
    const user = rig.uniqueMailbox();
    await rig.deliver(user, big());
    const s = await viaRelay(user);
    let received = 0;
    const err = await rejectsWith((async () => {
      for await (const chunk of s.retrieveStream(1)) received += (chunk as Buffer).length;
    })(), 'CONNECTION_DROPPED');
    assert.equal(err.details.family, 103);
    assert.ok(received > 0 && received < big().length);
  });

  test('retrieveStream() of a whole message equals retrieve()', async () => {
    const user = rig.uniqueMailbox();
    await rig.deliver(user, big());
    const s = await open(user);
    const chunks: Buffer[] = [];
    for await (const chunk of s.retrieveStream(1)) chunks.push(chunk as Buffer);
    const whole = await s.retrieve(1);
    await s.quit();
    assert.ok(Buffer.concat(chunks).equals(whole));
  });
});

test('authType none is a ConfigError: POP3 always logs in', async () => {
  const user = rig.uniqueMailbox();
  await assert.rejects(connectPop3({ resource: rig.resource('pop3', user, { authType: 'none' }) }), (e: unknown) => e instanceof ConfigError && e.code === 'POP3_AUTH_REQUIRED');
});
