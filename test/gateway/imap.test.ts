/**
 * The IMAP gateway against the rig's real Dovecot (XOAUTH2 upstream, tokens from the rig's
 * identity emulator), with clients nobody here wrote: imapflow, Python's imaplib and curl.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { Resource } from '../../src/config/resource.js';
import { startImapGateway } from '../../src/gateway/imap/index.js';
import type { GatewayListener } from '../../src/gateway/relay/listener.js';
import { connectImap } from '../../src/protocols/imap/connect.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';
import {
  bigMessage,
  japaneseMessage,
  memoryDirectory,
  python,
  run,
  rigUpstreams,
  type MemoryDirectory,
} from './relay-support.js';

const PASSWORD = 'Printer-pässwörd "42"';
/** imaplib sends LOGIN in ASCII only; quotes and a backslash make it escape the quoted string. */
const ASCII_PASSWORD = 'Scr1pt "quoted" \\ pass';

describe('IMAP gateway → Dovecot (rig)', () => {
  let rig: Rig;
  let dir: string;
  let certFile: string;
  let mailbox: string;
  let directory: MemoryDirectory;
  let tlsGateway: GatewayListener;
  let starttlsGateway: GatewayListener;
  let resource: Resource;

  before(async () => {
    rig = loadRig();
    dir = await mkdtemp(join(tmpdir(), 'mbt-imapgw-'));
    mailbox = rig.uniqueMailbox();
    await rig.ensureUser(mailbox);
    resource = rig.resource('imap', mailbox, { name: 'inbox' });
    const down = rig.resource('imap', mailbox, { name: 'down', server: { host: '127.0.0.1', port: 1, secure: 'tls' } });
    const sender = rig.resource('smtp', mailbox, { name: 'sender' });
    const viaStarttls = rig.resource('imap', mailbox, { name: 'inbox-starttls', secure: 'starttls' });
    directory = await memoryDirectory([
      { name: 'scanner', password: PASSWORD, resource: 'inbox' },
      { name: 'script', password: ASCII_PASSWORD, resource: 'inbox' },
      { name: 'old', password: 'x', resource: 'inbox', disabled: true },
      { name: 'nowhere', password: 'x', resource: 'down' },
      { name: 'sendonly', password: 'x', resource: 'sender' },
      { name: 'upstream-starttls', password: 'x', resource: 'inbox-starttls' },
    ]);
    const common = {
      directory,
      upstreams: rigUpstreams(rig, [resource, down, sender, viaStarttls]),
      tls: { selfSigned: true as const, dir },
    };
    tlsGateway = await startImapGateway({ ...common, security: 'tls' });
    starttlsGateway = await startImapGateway({ ...common, security: 'starttls', plaintextLogin: 'never' });
    certFile = join(dir, 'gateway-cert.pem');
  });

  after(async () => {
    await tlsGateway?.close();
    await starttlsGateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The newest message as Dovecot serves it directly (XOAUTH2, no gateway); it ends with what was delivered. */
  const direct = async (delivered: Buffer): Promise<Buffer> => {
    const c = await connectImap({ resource, tokens: mintingProvider(rig, mailbox) });
    try {
      await c.mailboxOpen('INBOX');
      const msg = await c.fetchOne('*', { source: true });
      assert.ok(msg && msg.source);
      assert.equal(
        Buffer.compare(msg.source.subarray(msg.source.length - delivered.length), delivered),
        0,
        'LMTP only prepends trace headers',
      );
      return msg.source;
    } finally {
      await c.logout();
    }
  };

  const client = (user = 'scanner', pass = PASSWORD, extra: Partial<ConstructorParameters<typeof ImapFlow>[0]> = {}) =>
    new ImapFlow({
      host: '127.0.0.1',
      port: tlsGateway.port,
      secure: true,
      tls: { ca: [tlsGateway.certPem ?? ''], servername: 'localhost' },
      auth: { user, pass },
      logger: false,
      disableAutoIdle: true,
      ...extra,
    });

  it('imapflow logs in (AUTHENTICATE PLAIN), sees the upstream capabilities and fetches 8-bit and ISO-2022-JP mail byte for byte', async () => {
    const raw = japaneseMessage('jp@example.test', mailbox);
    await rig.deliver(mailbox, raw);
    const c = client();
    await c.connect();
    try {
      assert.ok(c.capabilities.has('IDLE'), 'post-login capabilities come from Dovecot');
      assert.ok(!c.capabilities.has('COMPRESS=DEFLATE'), 'COMPRESS is never offered');
      await c.mailboxOpen('INBOX');
      const msg = await c.fetchOne('*', { source: true });
      assert.ok(msg && msg.source);
      assert.equal(Buffer.compare(msg.source, await direct(raw)), 0, 'the message bytes are unchanged');
    } finally {
      await c.logout();
    }
    assert.ok(directory.checks.some((x) => x.name === 'scanner' && x.protocol === 'imap' && x.ok));
  });

  it('imapflow LOGIN with a password that needs a literal (non-ASCII and quotes)', async () => {
    const c = client('scanner', PASSWORD, { auth: { user: 'scanner', pass: PASSWORD, loginMethod: 'LOGIN' } });
    await c.connect();
    try {
      const status = await c.status('INBOX', { messages: true });
      assert.ok(status && typeof status.messages === 'number');
    } finally {
      await c.logout();
    }
  });

  it('a synchronizing literal LOGIN ({n} answered with +) and pipelined commands after it', async () => {
    const tls = await import('node:tls');
    const s = tls.connect({
      host: '127.0.0.1',
      port: tlsGateway.port,
      ca: [tlsGateway.certPem ?? ''],
      servername: 'localhost',
    });
    await once(s, 'secureConnect');
    let got = '';
    const waitFor = async (re: RegExp) => {
      while (!re.test(got)) got += String((await once(s, 'data'))[0]);
    };
    s.setEncoding('utf8');
    await waitFor(/^\* OK .*\r\n/);
    const pass = Buffer.from(PASSWORD);
    s.write(`a1 LOGIN {7}\r\n`);
    await waitFor(/\+ .*\r\n/);
    s.write(`scanner {${pass.length}}\r\n`);
    await waitFor(/\+ .*\r\n[^]*\+ .*\r\n/);
    // The password, then a second command in the same write: it must reach Dovecot after login.
    s.write(Buffer.concat([pass, Buffer.from('\r\na2 SELECT INBOX\r\na3 LOGOUT\r\n')]));
    await waitFor(/a3 OK/);
    assert.match(got, /a1 OK \[CAPABILITY [^\]]*IMAP4rev1[^\]]*\] Logged in/);
    assert.match(got, /a2 OK \[READ-WRITE\]/);
    s.destroy();
  });

  it('Python imaplib: LOGIN, AUTHENTICATE PLAIN by continuation, STARTTLS; wrong password and disabled user get NO [AUTHENTICATIONFAILED]', async () => {
    const script = `
import imaplib, ssl, sys
port, sport, cafile, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
m = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx)
print(m.login('script', password)[0])
print(m.select('INBOX')[0])
m.logout()
m = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx)
print(m.authenticate('PLAIN', lambda _: b'\\0script\\0' + password.encode())[0])
m.logout()
for user, pw in (('script', 'wrong'), ('old', 'x')):
    m = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx)
    try:
        m.login(user, pw)
        print('accepted')
    except imaplib.IMAP4.error as e:
        print('refused', e)
    m.logout()
m = imaplib.IMAP4('localhost', sport)
print('LOGINDISABLED' in m.capabilities, 'STARTTLS' in m.capabilities)
try:
    m.login('script', password)
except imaplib.IMAP4.error as e:
    print('plain refused', e)
m.starttls(ssl_context=ctx)
print('LOGINDISABLED' in m.capabilities)
print(m.login('script', password)[0])
m.logout()
`;
    const out = (
      await python(script, [String(tlsGateway.port), String(starttlsGateway.port), certFile, ASCII_PASSWORD])
    )
      .trim()
      .split('\n');
    assert.deepEqual(out.slice(0, 3), ['OK', 'OK', 'OK']);
    assert.match(out[3] ?? '', /^refused .*AUTHENTICATIONFAILED/);
    assert.match(out[4] ?? '', /^refused .*AUTHENTICATIONFAILED/);
    assert.equal(out[5], 'True True', 'a plain connection that may not log in shows LOGINDISABLED and STARTTLS');
    assert.match(out[6] ?? '', /^plain refused .*PRIVACYREQUIRED/);
    assert.deepEqual(out.slice(7), ['False', 'OK']);
  });

  it('curl fetches a message over imaps:// byte for byte', async () => {
    const raw = japaneseMessage('curl@example.test', mailbox);
    await rig.deliver(mailbox, raw);
    const c = client();
    await c.connect();
    const lock = await c.getMailboxLock('INBOX');
    const found = await c.fetchOne('*', { uid: true });
    const uid = found ? found.uid : 0;
    lock.release();
    await c.logout();
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '--cacert',
        certFile,
        '--user',
        `scanner:${PASSWORD}`,
        `imaps://localhost:${tlsGateway.port}/INBOX;UID=${uid}`,
      ],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 26,
      },
    );
    assert.equal(Buffer.compare(stdout, await direct(raw)), 0);
  });

  it('IDLE through the gateway sees a message delivered upstream', async () => {
    const c = client();
    await c.connect();
    try {
      await c.mailboxOpen('INBOX');
      const seen = new Promise<number>((resolve) => c.on('exists', (e: { count: number }) => resolve(e.count)));
      const idle = c.idle();
      await rig.deliver(mailbox, japaneseMessage('idle@example.test', mailbox));
      const count = await seen;
      assert.ok(count >= 1);
      await c.noop();
      await idle;
    } finally {
      await c.logout();
    }
  });

  it('a large message FETCH comes through byte for byte', async () => {
    const raw = bigMessage('big@example.test', mailbox, 8 * 1024 * 1024);
    await rig.deliver(mailbox, raw);
    const c = client();
    await c.connect();
    try {
      await c.mailboxOpen('INBOX');
      const msg = await c.fetchOne('*', { source: true });
      assert.ok(msg && msg.source);
      const upstream = await direct(raw);
      assert.equal(msg.source.length, upstream.length);
      assert.equal(Buffer.compare(msg.source, upstream), 0);
    } finally {
      await c.logout();
    }
  });

  it('logs in upstream over STARTTLS too (Dovecot port 143-style)', async () => {
    const c = client('upstream-starttls', 'x');
    await c.connect();
    try {
      assert.ok(c.capabilities.has('IDLE'));
      const status = await c.status('INBOX', { messages: true });
      assert.ok(status && typeof status.messages === 'number');
    } finally {
      await c.logout();
    }
  });

  it('upstream down → NO [UNAVAILABLE]; a non-imap resource → NO [AUTHENTICATIONFAILED]', async () => {
    for (const [user, code] of [
      ['nowhere', 'UNAVAILABLE'],
      ['sendonly', 'AUTHENTICATIONFAILED'],
    ] as const) {
      const c = client(user, 'x');
      await assert.rejects(c.connect(), (e: { serverResponseCode?: string; responseText?: string }) => {
        assert.equal(e.serverResponseCode, code);
        return true;
      });
    }
  });

  it('refuses a plain listener on a non-loopback address', async () => {
    await assert.rejects(
      startImapGateway({ host: '0.0.0.0', security: 'plain', directory, upstreams: rigUpstreams(rig, []) }),
      { code: 'GATEWAY_PLAINTEXT_REFUSED' },
    );
  });

  it('three wrong passwords end the connection', async () => {
    const s = netConnect({ host: '127.0.0.1', port: starttlsGateway.port });
    s.setEncoding('utf8');
    let got = '';
    s.on('data', (d: string) => {
      got += d;
    });
    await once(s, 'data');
    s.write('a STARTTLS\r\n');
    await once(s, 'data');
    s.removeAllListeners('data');
    const tls = await import('node:tls');
    const t = tls.connect({ socket: s, ca: [starttlsGateway.certPem ?? ''], servername: 'localhost' });
    await once(t, 'secureConnect');
    t.setEncoding('utf8');
    got = '';
    t.on('data', (d: string) => {
      got += d;
    });
    t.write('b LOGIN scanner bad\r\nc LOGIN scanner bad\r\nd LOGIN scanner bad\r\n');
    await once(t, 'close');
    assert.match(got, /d NO \[AUTHENTICATIONFAILED\][^]*\* BYE/);
  });
});
