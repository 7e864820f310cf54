/**
 * `mailbridge trigger add --mode streaming`: on an Exchange Online EWS resource the EWS
 * retirement warning is printed (in the reader's language, on stderr so --json stays clean);
 * on Exchange Server it is not (test/triggers/ews-streaming.test.ts checks that other kinds refuse the mode).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { openStore } from '../../src/store/open.js';
import { cli, newHome, T, USER } from './resource-support.js';

const add = (name: string, resource: string) => [
  'trigger',
  'add',
  name,
  '--resource',
  resource,
  '--mode',
  'streaming',
  '--command',
  '/bin/true',
];

test("trigger add --mode streaming warns of the EWS retirement on Exchange Online only, in the reader's language", async () => {
  const home = newHome();
  try {
    const store = await openStore({ home, env: { MAILBRIDGE_HOME: home } });
    const common = { preset: 'm365' as const, tenantId: T, clientId: 'cid', user: USER };
    await store.putResource(parseResource(applyPreset({ ...common, name: 'exo', kind: 'ews' })));
    await store.putResource(
      parseResource(applyPreset({ ...common, name: 'onprem', kind: 'ews', mailHost: 'https://mail.example.com' })),
    );
    await store.close();

    const en = cli(home, add('a', 'exo'), { env: { LANG: 'en_US.UTF-8' } });
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stderr, /warning: exo uses EWS on Exchange Online.*2026-10-01.*2027-04-01/);

    const ja = cli(home, add('b', 'exo'), { env: { LANG: 'ja_JP.UTF-8' } });
    assert.equal(ja.code, 0, ja.stderr);
    assert.match(ja.stderr, /警告: exo は Exchange Online の EWS を使っています.*2027-04-01/);

    const onprem = cli(home, add('c', 'onprem'), { env: { LANG: 'en_US.UTF-8' } });
    assert.equal(onprem.code, 0, onprem.stderr);
    assert.doesNotMatch(onprem.stderr, /warning/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
