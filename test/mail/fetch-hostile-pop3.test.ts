/**
 * The attack of issue 11 item 1, performed for real: a hostile POP3 server on loopback
 * announces UIDLs `.`, `..`, `../x`, `a+b`/`a/b`/`a_b` and case variants, and the real
 * `mailbridge fetch --save DIR --after delete` runs against it. Nothing outside DIR may be
 * touched (before the fix, UIDL `..` removed DIR's parent recursively), every message must
 * be its own file (before, `a+b` and `a/b` shared one and the second save removed the first),
 * and a DELE may only reach the server for a message already saved on disk.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildAuthorizationRequest,
  exchangeAuthorizationCode,
  parseAuthorizationResponse,
  processAuthorizationResponse,
} from '../../src/auth/authorization-code.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { SANDBOX } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/open.js';
import { mailbridge } from '../helpers/cli.js';
import { completeConsent } from '../helpers/consent.js';
import { startHostilePop3, type HostileMessage, type HostilePop3 } from '../helpers/hostile-pop3.js';
import { loadRig } from '../helpers/rig.js';

const UIDLS = ['.', '..', '../x', 'a+b', 'a/b', 'a_b', 'Abc', 'abc', 'ABC', 'x', '..\\x', 'CON'];

/** A consented POP3 resource named `evil` in `home`, pointing at the hostile server (plain text: loopback only). */
async function evilResource(home: string, port: number): Promise<void> {
  const rig = loadRig();
  const store = await openStore({ home, env: {} });
  try {
    const preset = applyPreset({
      preset: 'm365',
      name: 'evil',
      kind: 'pop3',
      tenantId: rig.tenantId,
      clientId: SANDBOX.confidentialClientId,
      user: SANDBOX.alice,
      authorityUrl: rig.emulatorUrl,
      mailHost: '127.0.0.1',
      port,
      callbackUrl: 'https://localhost',
    });
    const resource = parseResource({
      ...preset,
      server: { host: '127.0.0.1', port, secure: 'none' },
      tls: { allowPlaintextLoopback: true },
    });
    await store.putResource(resource);
    await store.putSecret(resource.name, 'client_secret', new Secret(SANDBOX.clientSecret));
    const tokens = new TokenManager({ store });
    const req = await buildAuthorizationRequest(resource, store);
    const redirect = await completeConsent(req.url, { username: SANDBOX.alice, password: SANDBOX.password });
    const grant = await processAuthorizationResponse(
      resource.name,
      store,
      parseAuthorizationResponse(redirect.searchParams),
    );
    const { response, audience } = await exchangeAuthorizationCode(
      resource,
      store,
      grant,
      tokens.endpointDeps(resource.name),
    );
    await tokens.recordGrant(resource.name, response, audience);
  } finally {
    await store.close();
  }
}

/** Every regular file under `dir`, recursively, with its bytes. */
function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of filesUnder(p)) out.set(k, v);
    else if (e.isFile()) out.set(p, readFileSync(p));
  }
  return out;
}

describe('fetch --save DIR --after delete against a hostile POP3 server', () => {
  let home: string;
  let server: HostilePop3;
  let messages: HostileMessage[];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'mb-hostile-'));
    messages = UIDLS.map((uid, i) => ({
      uid,
      body: Buffer.from(
        `From: x@example.test\r\nSubject: m${i}\r\n\r\nbody of ${uid} ${randomBytes(4).toString('hex')}\r\n`,
      ),
    }));
    server = await startHostilePop3([...messages]);
    await evilResource(home, server.port);
  });
  after(() => server.close());

  test('get --save DIR: the same names, nothing outside DIR', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mb-hostile-get-'));
    const dir = join(root, 'saved');
    await writeFile(join(root, 'canary.txt'), 'canary');
    for (const uid of ['..', 'a+b', 'a/b']) {
      const r = await mailbridge(home, ['get', 'evil', uid, '--save', dir]);
      assert.equal(r.code, 0, r.stderr);
      const file = r.stdout.trim();
      assert.equal(join(dir, file.slice(dir.length + 1)), file, `${file} is inside ${dir}`);
      assert.ok((await readFile(file)).equals(messages.find((m) => m.uid === uid)?.body ?? Buffer.alloc(0)));
    }
    assert.equal((await readdir(dir)).length, 3);
    assert.deepEqual((await readdir(root)).sort(), ['canary.txt', 'saved']);
    assert.equal(await readFile(join(root, 'canary.txt'), 'utf8'), 'canary');
    assert.deepEqual(server.deleted, []);
  });

  test('touches nothing outside DIR, saves each message as its own file, deletes only what is on disk', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mb-hostile-root-'));
    const outer = join(root, 'outer');
    const dir = join(outer, 'saved');
    await mkdir(dir, { recursive: true });
    await writeFile(join(root, 'top.txt'), 'top');
    await writeFile(join(outer, 'canary.txt'), 'canary');
    await writeFile(join(outer, 'x'), 'mine');
    await writeFile(join(dir, 'notes.txt'), "the user's own file");
    const outside = () => [...filesUnder(root)].filter(([p]) => !p.startsWith(`${dir}/`));
    const before = outside();

    // At DELE time the message must already be on disk in DIR, byte for byte.
    const notOnDisk: string[] = [];
    server.onDelete = (m) => {
      const saved = [...filesUnder(dir).values()];
      if (!saved.some((b) => b.equals(m.body))) notOnDisk.push(m.uid);
    };

    const r = await mailbridge(home, ['fetch', 'evil', '--save', dir, '--after', 'delete']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^fetched ${UIDLS.length} of ${UIDLS.length} messages .*after: delete \\(${UIDLS.length}\\)`),
    );

    assert.deepEqual(outside(), before, 'nothing outside DIR was created, changed or removed');
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), "the user's own file");
    const emls = (await readdir(dir)).filter((n) => n.endsWith('.eml'));
    assert.equal(emls.length, UIDLS.length, `one file per message: ${emls.join(' ')}`);
    const bodies = await Promise.all(emls.map((n) => readFile(join(dir, n))));
    for (const m of messages)
      assert.ok(
        bodies.some((b) => b.equals(m.body)),
        `${m.uid} saved byte for byte`,
      );
    assert.deepEqual(notOnDisk, [], 'no DELE before the message was saved');
    assert.deepEqual([...server.deleted].sort(), [...UIDLS].sort());
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('.mb-')),
      [],
      'no temp file left',
    );
  });
});
