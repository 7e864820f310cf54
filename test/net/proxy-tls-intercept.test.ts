/**
 * A TLS-intercepting proxy (Debian's squid-openssl with ssl-bump and a CA made here): what
 * mailbridge sees through it is a certificate of the proxy's CA. By default that fails
 * verification with a typed error that says so; with the proxy's CA given
 * (MAILBRIDGE_PROXY_CA_FILE, which --proxy-ca-file sets) the same calls work, for undici's
 * fetch (identity, webhooks) and for the Graph/EWS agents alike.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGraphMailbox } from '../../src/mail/graph-mailbox.js';
import { netFetch } from '../../src/net/fetch.js';
import { failure, haveCommand, type RunningProxy, startSquidBump } from '../helpers/proxies.js';
import { startGraphWorld, uniqueUser, type GraphWorld } from '../mail/graph-support.js';

const skip =
  haveCommand('squid') && haveCommand('openssl')
    ? false
    : 'squid-openssl is not installed (scripts/setup-debian.sh installs it)';

describe('a TLS-intercepting proxy', { skip, timeout: 60_000 }, () => {
  let dir: string;
  let squid: RunningProxy;
  let graph: GraphWorld;
  let proxyCaFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mb-bump-ca-'));
    proxyCaFile = join(dir, 'proxy-ca.pem');
    const key = join(dir, 'proxy-ca.key');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        proxyCaFile,
        '-days',
        '2',
        '-subj',
        '/CN=mailbridge test intercepting proxy CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
    graph = await startGraphWorld();
    squid = await startSquidBump({ caCertFile: proxyCaFile, caKeyFile: key, originCaFile: graph.caFile });
  });
  after(async () => {
    delete process.env.MAILBRIDGE_PROXY_CA_FILE;
    await squid?.close();
    await graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails verification by default, naming the proxy and the fix; works with the proxy CA (Graph agent)', async () => {
    const user = uniqueUser();
    await graph.deliver(user, 'From: a@example.com\r\nTo: x@example.com\r\nSubject: inspected\r\n\r\nbody\r\n');
    const resource = { ...graph.resource({ user }), proxy: squid.url };
    delete process.env.MAILBRIDGE_PROXY_CA_FILE;
    const m1 = await openGraphMailbox({ resource, tokens: graph.delegated(user) });
    const e = await failure(m1.list());
    await m1.close();
    assert.equal(e.code, 'PROXY_TLS_INTERCEPTED', e.message);
    assert.ok(e.message.includes(squid.url));
    assert.match(e.hint ?? '', /--proxy-ca-file|MAILBRIDGE_PROXY_CA_FILE/);

    process.env.MAILBRIDGE_PROXY_CA_FILE = proxyCaFile;
    const m2 = await openGraphMailbox({ resource, tokens: graph.delegated(user) });
    try {
      assert.deepEqual(
        (await m2.list()).map((s) => s.subject),
        ['inspected'],
      );
    } finally {
      await m2.close();
    }
    // squid bumped the tunnel and saw the requests inside it.
    assert.match(squid.log(), /\/v1\.0\/me\//);
  });

  it("the same for undici's fetch (token endpoint, discovery, webhooks)", async () => {
    const url = `${graph.graphUrl}/v1.0/me`;
    delete process.env.MAILBRIDGE_PROXY_CA_FILE;
    const e = await failure(netFetch({ proxy: squid.url, caFile: graph.caFile })(url));
    assert.equal(e.code, 'PROXY_TLS_INTERCEPTED', e.message);
    process.env.MAILBRIDGE_PROXY_CA_FILE = proxyCaFile;
    const res = await netFetch({ proxy: squid.url, caFile: graph.caFile })(url);
    await res.arrayBuffer();
    assert.equal(res.status, 401, 'Graph itself answered (no token), through the intercepting proxy');
  });
});
