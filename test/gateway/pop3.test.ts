/**
 * The POP3 gateway against the rig's real Dovecot (XOAUTH2 upstream, tokens from the rig's
 * identity emulator), with clients nobody here wrote: Python's poplib and curl.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '../../src/config/resource.js';
import { startPop3Gateway } from '../../src/gateway/pop3/index.js';
import type { GatewayListener } from '../../src/gateway/relay/listener.js';
import { connectPop3 } from '../../src/protocols/pop3/client.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';
import { japaneseMessage, memoryDirectory, python, rigUpstreams, run, type MemoryDirectory } from './relay-support.js';

const PASSWORD = 'Copier pass with spaces';

describe('POP3 gateway → Dovecot (rig)', () => {
  let rig: Rig;
  let dir: string;
  let certFile: string;
  let mailbox: string;
  let resource: Resource;
  let directory: MemoryDirectory;
  let tlsGateway: GatewayListener;
  let stlsGateway: GatewayListener;

  before(async () => {
    rig = loadRig();
    dir = await mkdtemp(join(tmpdir(), 'mbt-pop3gw-'));
    mailbox = rig.uniqueMailbox();
    await rig.ensureUser(mailbox);
    resource = rig.resource('pop3', mailbox, { name: 'drop' });
    const down = rig.resource('pop3', mailbox, { name: 'down', server: { host: '127.0.0.1', port: 1, secure: 'tls' } });
    directory = await memoryDirectory([
      { name: 'copier', password: PASSWORD, resource: 'drop' },
      { name: 'old', password: 'x', resource: 'drop', disabled: true },
      { name: 'nowhere', password: 'x', resource: 'down' },
    ]);
    const common = {
      directory,
      upstreams: rigUpstreams(rig, [resource, down]),
      tls: { selfSigned: true as const, dir },
    };
    tlsGateway = await startPop3Gateway({ ...common, security: 'tls' });
    stlsGateway = await startPop3Gateway({ ...common, security: 'starttls', plaintextLogin: 'never' });
    certFile = join(dir, 'gateway-cert.pem');
    await rig.deliver(mailbox, japaneseMessage('jp@example.test', mailbox));
  });

  after(async () => {
    await tlsGateway?.close();
    await stlsGateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('poplib: CAPA before login, USER/PASS, STAT, RETR; STLS with USER refused before it; wrong password and disabled user get -ERR [AUTH]', async () => {
    const script = `
import poplib, ssl, sys
port, sport, cafile, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
m = poplib.POP3_SSL('localhost', port, context=ctx)
caps = m.capa()
print('USER' in caps, caps.get('SASL'))
m.user('copier')
print(m.pass_(password).decode().split(' ')[0])
count, size = m.stat()
print(count)
resp, lines, octets = m.retr(count)
print(resp.decode().split(' ')[0], octets > 0)
m.quit()
for user, pw in (('copier', 'wrong'), ('old', 'x')):
    m = poplib.POP3_SSL('localhost', port, context=ctx)
    m.user(user)
    try:
        m.pass_(pw)
        print('accepted')
    except poplib.error_proto as e:
        print('refused', e)
    m.quit()
m = poplib.POP3('localhost', sport)
caps = m.capa()
print('STLS' in caps, 'USER' in caps)
try:
    m.user('copier')
except poplib.error_proto as e:
    print('plain refused', e)
m.stls(context=ctx)
m.user('copier')
print(m.pass_(password).decode().split(' ')[0])
m.quit()
`;
    const out = (await python(script, [String(tlsGateway.port), String(stlsGateway.port), certFile, PASSWORD]))
      .trim()
      .split('\n');
    assert.deepEqual(out.slice(0, 4), ["True ['PLAIN']", '+OK', '1', '+OK True']);
    assert.match(out[4] ?? '', /^refused .*\[AUTH\]/);
    assert.match(out[5] ?? '', /^refused .*\[AUTH\]/);
    assert.equal(out[6], 'True False', 'a plain connection that may not log in offers STLS and no USER');
    assert.match(out[7] ?? '', /^plain refused .*\[AUTH\]/);
    assert.equal(out[8], '+OK');
  });

  it('curl (AUTH PLAIN) retrieves an ISO-2022-JP / 8-bit message byte for byte', async () => {
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '--cacert',
        certFile,
        '--login-options',
        'AUTH=PLAIN',
        '--user',
        `copier:${PASSWORD}`,
        `pop3s://localhost:${tlsGateway.port}/1`,
      ],
      {
        encoding: 'buffer',
        maxBuffer: 1 << 26,
      },
    );
    const session = await connectPop3({ resource, tokens: mintingProvider(rig, mailbox) });
    try {
      const upstream = await session.retrieve(1);
      assert.equal(Buffer.compare(stdout, upstream), 0);
    } finally {
      await session.quit();
    }
  });

  it('upstream down → -ERR [SYS/TEMP]', async () => {
    const script = `
import poplib, ssl, sys
m = poplib.POP3_SSL('localhost', int(sys.argv[1]), context=ssl.create_default_context(cafile=sys.argv[2]))
m.user('nowhere')
try:
    m.pass_('x')
except poplib.error_proto as e:
    print(e)
`;
    const out = await python(script, [String(tlsGateway.port), certFile]);
    assert.match(out, /-ERR \[SYS\/TEMP\]/);
  });

  it('refuses a plain listener on a non-loopback address', async () => {
    await assert.rejects(
      startPop3Gateway({ host: '0.0.0.0', security: 'plain', directory, upstreams: rigUpstreams(rig, []) }),
      { code: 'GATEWAY_PLAINTEXT_REFUSED' },
    );
  });
});
