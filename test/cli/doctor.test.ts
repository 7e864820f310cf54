/**
 * `mailbridge doctor` against the rig: every check passes for consented imap and smtp resources; an untrusted
 * certificate fails with the fix.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { opsHome, type OpsHome } from './mail-ops-support.js';

describe('mailbridge doctor', () => {
  let rig: Rig;
  let ops: OpsHome;
  const cli = (args: string[]) => ops.cli(args);

  before(async () => {
    rig = loadRig();
    const user = rig.uniqueMailbox();
    ops = await opsHome(rig, { in: { kind: 'imap', user }, out: { kind: 'smtp', user } });
    const store = await openStore({ home: ops.home, env: {} });
    const imap = await store.getResource('in');
    assert.ok(imap);
    // The same mailbox without the rig CA: the doctor must refuse its certificate.
    await store.putResource({ ...imap, name: 'nocert', tls: { insecureLoopback: false, allowPlaintextLoopback: false } });
    await store.close();
  });

  test('doctor: imap and smtp pass every check (login included), exit 0', async () => {
    const runs = await Promise.all(['in', 'out'].map(async (name) => [name, await cli(['doctor', name])] as const));
    for (const [name, r] of runs) {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS {2}access token +aud https:\/\/outlook\.office365\.com; scp /m);
      assert.match(r.stdout, /^PASS {2}login +logged in /m);
      assert.match(r.stdout, new RegExp(`${name}: all checks passed\\n?$`));
      assert.doesNotMatch(r.stdout, /^(FAIL|SKIP) /m);
    }
    const json = await cli(['--json', 'doctor', 'out']);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    assert.equal(report.ok, true);
    assert.equal(report.checks.find((c) => c.name === 'login')?.status, 'pass');
  });

  test('doctor: an untrusted certificate fails with the fix and exit 1', async () => {
    const [r, missing] = await Promise.all([cli(['doctor', 'nocert']), cli(['doctor', 'nope'])]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL {2}connect .*not signed by a trusted CA\n\s+Fix: .*tls\.caFile/m);
    assert.match(r.stdout, /nocert: \d+ check\(s\) failed/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mailbridge: no resource named "nope" \(RESOURCE_NOT_FOUND\)/);
  });
});
