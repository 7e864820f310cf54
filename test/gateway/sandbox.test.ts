/**
 * The IMAP and POP3 gateways against the Exchange sandbox, with resources consented through
 * the identity emulator's pages and the real token manager: a revoked grant comes back to the
 * legacy client as its protocol's authentication failure, and to the operator's log as the
 * reason with the fix (consent again).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { authorize } from '../../src/auth/consent.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { startImapGateway } from '../../src/gateway/imap/index.js';
import { startPop3Gateway } from '../../src/gateway/pop3/index.js';
import type { GatewayListener } from '../../src/gateway/relay/listener.js';
import { createLogger } from '../../src/log.js';
import { startExchangeSandbox, type ExchangeSandbox } from '@mailbridge/sandbox';
import {
  SANDBOX,
  completeConsent,
  startIdentityEmulator,
  type IdentityEmulator,
} from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { japaneseMessage, memoryDirectory, python } from './relay-support.js';

describe('IMAP and POP3 gateways → Exchange sandbox (token manager, consent, revocation)', () => {
  let dir: string;
  let identity: IdentityEmulator;
  let sandbox: ExchangeSandbox;
  let store: Store;
  let imap: GatewayListener;
  let pop3: GatewayListener;
  const logLines: string[] = [];
  const user = SANDBOX.alice;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mbt-gw-sandbox-'));
    identity = await startIdentityEmulator({ dataDir: dir });
    sandbox = await startExchangeSandbox({ identity, tlsDir: dir });
    sandbox.admin.createMailbox(user);
    const caFile = join(dir, 'ca-for-clients.pem');
    await writeFile(caFile, sandbox.caPem);
    store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
    // Every request for a token goes to the token endpoint, so a revoked grant shows at the next login.
    const tokens = new TokenManager({ store, refreshAheadMs: 24 * 3600_000 });
    const common = {
      preset: 'm365' as const,
      tenantId: SANDBOX.tenantId,
      clientId: SANDBOX.confidentialClientId,
      user,
      authorityUrl: identity.url,
      mailHost: sandbox.host,
    };
    const inputs = [
      { ...common, name: 'mail-imap', kind: 'imap' as const, port: sandbox.imap.port, secure: 'tls' as const },
      { ...common, name: 'mail-pop3', kind: 'pop3' as const, port: sandbox.pop3.tlsPort, secure: 'tls' as const },
    ];
    for (const input of inputs) {
      await store.putResource(parseResource({ ...applyPreset(input), tls: { caFile } }));
      await store.putSecret(input.name, 'client_secret', new Secret(SANDBOX.clientSecret));
      let url = '';
      await authorize(tokens, input.name, {
        mode: 'paste',
        io: {
          print: () => undefined,
          onAuthorizeUrl: (u) => {
            url = u;
          },
          readRedirectUrl: async () =>
            (await completeConsent(url, { username: user, password: SANDBOX.password })).toString(),
        },
      });
    }
    const directory = await memoryDirectory([
      { name: 'frontdesk', password: 'imap-pass', resource: 'mail-imap' },
      { name: 'mfp', password: 'pop-pass', resource: 'mail-pop3' },
    ]);
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _enc, cb) {
          logLines.push(String(chunk));
          cb();
        },
      }),
    });
    const options = {
      directory,
      upstreams: tokens,
      logger,
      security: 'tls' as const,
      tls: { selfSigned: true as const, dir },
    };
    imap = await startImapGateway(options);
    pop3 = await startPop3Gateway(options);
    await sandbox.admin.deliver(japaneseMessage('jp@example.test', user), { from: 'jp@example.test', to: [user] });
  });

  after(async () => {
    await imap?.close();
    await pop3?.close();
    await store?.close();
    await sandbox?.close();
    await identity?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const imapClient = () =>
    new ImapFlow({
      host: '127.0.0.1',
      port: imap.port,
      secure: true,
      tls: { ca: [imap.certPem ?? ''], servername: 'localhost' },
      auth: { user: 'frontdesk', pass: 'imap-pass' },
      logger: false,
      disableAutoIdle: true,
    });
  const poplib = `
import poplib, ssl, sys
m = poplib.POP3_SSL('localhost', int(sys.argv[1]), context=ssl.create_default_context(cafile=sys.argv[2]))
m.user('mfp')
try:
    print(m.pass_('pop-pass').decode())
    print(m.stat()[0])
    m.quit()
except poplib.error_proto as e:
    print(e.args[0].decode())
`;

  it('relays IMAP and POP3 sessions to the sandbox with the consented tokens', async () => {
    const c = imapClient();
    await c.connect();
    try {
      const status = await c.status('INBOX', { messages: true });
      assert.ok(status && (status.messages ?? 0) >= 1);
    } finally {
      await c.logout();
    }
    const out = (await python(poplib, [String(pop3.port), join(dir, 'gateway-cert.pem')])).trim().split('\n');
    assert.match(out[0] ?? '', /^\+OK/);
    assert.ok(Number(out[1]) >= 1);
  });

  it('a revoked grant → NO [AUTHENTICATIONFAILED] / -ERR [AUTH] to the client, and the reason with "consent" in the log', async () => {
    identity.admin.revokeUser(user);
    logLines.length = 0;
    const c = imapClient();
    await assert.rejects(c.connect(), (e: { serverResponseCode?: string }) => {
      assert.equal(e.serverResponseCode, 'AUTHENTICATIONFAILED');
      return true;
    });
    const out = await python(poplib, [String(pop3.port), join(dir, 'gateway-cert.pem')]);
    assert.match(out, /^-ERR \[AUTH\]/);
    if (process.env.GW_DEBUG) console.log(logLines.join(''));
    const failures = logLines
      .map((l) => JSON.parse(l) as { msg: string; code?: string; hint?: string })
      .filter((l) => /upstream login failed/.test(l.msg));
    assert.equal(failures.length, 2, 'one log event per gateway');
    for (const f of failures) {
      assert.match(f.code ?? '', /REFRESH_TOKEN_REVOKED|CONSENT|INVALID_GRANT|AADSTS/);
      assert.match(`${f.msg} ${f.hint ?? ''}`, /consent/i);
    }
    assert.ok(
      !logLines.join('').includes('pop-pass') && !logLines.join('').includes('imap-pass'),
      'no password in the log',
    );
  });
});
