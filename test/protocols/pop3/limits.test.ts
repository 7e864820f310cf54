/**
 * Caps on what the POP3 client reads (issue 11 item 3), against a hostile server on loopback:
 * an endless RETR, an endless line, a size over the maximum, an over-long listing line and a
 * repeated unique-id each end in a typed error, and the server never gets to send more than
 * a bounded amount (it writes only as fast as the client reads).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resourceSchema } from '../../../src/config/resource.js';
import { MailbridgeError } from '../../../src/errors.js';
import { fetchToDirectory } from '../../../src/mail/fetch.js';
import { createPop3Mailbox } from '../../../src/mail/pop3-mailbox.js';
import { connectPop3 } from '../../../src/protocols/pop3/client.js';
import { Secret } from '../../../src/secret.js';
import { startHostilePop3, type HostileMessage, type HostilePop3 } from '../../helpers/hostile-pop3.js';

const MiB = 1024 * 1024;
/** What a peer may have pushed into socket buffers before the client stopped reading: far below "endless". */
const BOUNDED = 16 * MiB;

const servers: HostilePop3[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function hostile(messages: HostileMessage[]): Promise<HostilePop3> {
  const s = await startHostilePop3(messages);
  servers.push(s);
  return s;
}

const resourceFor = (port: number, authType: 'basic' | 'oauth2' = 'basic') =>
  resourceSchema.parse({
    name: 'hostile',
    kind: 'pop3',
    server: { host: '127.0.0.1', port, secure: 'none' },
    user: 'u@example.test',
    authType,
    tls: { allowPlaintextLoopback: true },
  });
const open = (port: number, maxMessageBytes?: number) =>
  connectPop3({
    resource: resourceFor(port),
    password: new Secret('pw'),
    timeoutMs: 10_000,
    ...(maxMessageBytes ? { maxMessageBytes } : {}),
  });

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MailbridgeError, `expected a MailbridgeError, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    assert.ok(e.hint.length > 0);
    return e;
  }
  assert.fail(`expected ${code}, got success`);
}

const small = (uid: string): HostileMessage => ({ uid, body: Buffer.from(`Subject: ${uid}\r\n\r\nhello\r\n`) });

describe('POP3 read caps against a hostile server', () => {
  test('an endless RETR stops at twice the size LIST announced: POP3_MESSAGE_TOO_LARGE, bounded bytes', async () => {
    const server = await hostile([{ uid: 'endless', body: Buffer.alloc(0), announcedSize: 1000, endless: 'lines' }]);
    const s = await open(server.port);
    const err = await rejectsWith(s.retrieve(1), 'POP3_MESSAGE_TOO_LARGE');
    assert.equal(err.details.family, 103);
    assert.ok(server.bytesSent() < BOUNDED, `the server sent ${server.bytesSent()} bytes`);
  });

  test('retrieveStream() is capped the same way', async () => {
    const server = await hostile([{ uid: 'endless', body: Buffer.alloc(0), announcedSize: 5000, endless: 'lines' }]);
    const s = await open(server.port);
    let received = 0;
    await rejectsWith(
      (async () => {
        for await (const chunk of s.retrieveStream(1)) received += (chunk as Buffer).length;
      })(),
      'POP3_MESSAGE_TOO_LARGE',
    );
    assert.ok(received <= 2 * 5000 + 64 * 1024);
    assert.ok(server.bytesSent() < BOUNDED, `the server sent ${server.bytesSent()} bytes`);
  });

  test('an endless line (no line end at all) is capped too', async () => {
    const server = await hostile([{ uid: 'one-line', body: Buffer.alloc(0), announcedSize: 100, endless: 'one-line' }]);
    const s = await open(server.port);
    await rejectsWith(s.retrieve(1), 'POP3_MESSAGE_TOO_LARGE');
    assert.ok(server.bytesSent() < BOUNDED, `the server sent ${server.bytesSent()} bytes`);
  });

  test('a message LIST says is over the configured maximum is refused before RETR', async () => {
    const server = await hostile([{ uid: 'huge', body: Buffer.alloc(0), announcedSize: 10 * MiB, endless: 'lines' }]);
    const s = await open(server.port, MiB);
    const err = await rejectsWith(s.retrieve(1), 'POP3_MESSAGE_TOO_LARGE');
    assert.match(err.message, /over the maximum \(1 MiB\)/);
    assert.ok(server.bytesSent() < 64 * 1024, 'RETR was never answered');
  });

  test('an over-long UIDL line and a repeated unique-id are refused', async () => {
    const long = await hostile([small('x'.repeat(20_000))]);
    await rejectsWith((await open(long.port)).uidl(), 'POP3_RESPONSE_TOO_LARGE');
    const twice = await hostile([small('same'), small('same')]);
    const err = await rejectsWith((await open(twice.port)).uidl(), 'PROTOCOL_VIOLATION');
    assert.match(err.message, /announced twice/);
  });

  test('fetch --after delete stops at an endless message: nothing deleted, nothing half-written', async () => {
    const server = await hostile([
      small('a'),
      { uid: 'b', body: Buffer.alloc(0), announcedSize: 2000, endless: 'lines' },
      small('c'),
    ]);
    // The hostile server takes any token; an opaque one is not checked locally.
    const mailbox = createPop3Mailbox({
      resource: resourceFor(server.port, 'oauth2'),
      tokens: { getAccessToken: async () => new Secret('opaque') },
    });
    const dir = await mkdtemp(join(tmpdir(), 'mb-pop3-cap-'));
    await rejectsWith(fetchToDirectory({ mailbox, dir, after: { kind: 'delete' } }), 'POP3_MESSAGE_TOO_LARGE');
    assert.deepEqual(server.deleted, []);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n !== '.mailbridge-fetch.json'),
      [],
    );
    assert.ok(server.bytesSent() < BOUNDED);
  });
});
