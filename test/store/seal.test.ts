import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, StoreError } from '../../src/errors.js';
import { createKeyFile, findSealingKey } from '../../src/store/key.js';
import { createSealer } from '../../src/store/seal.js';

test('seal/unseal round trip; every seal differs (random IV)', () => {
  const s = createSealer(randomBytes(32));
  const a = s.seal('refresh-token-value', 'refresh_token|r');
  const b = s.seal('refresh-token-value', 'refresh_token|r');
  assert.notEqual(a, b);
  assert.equal(s.unseal(a, 'refresh_token|r'), 'refresh-token-value');
  assert.ok(!Buffer.from(a, 'base64').toString('latin1').includes('refresh-token-value'));
});

test('tampered ciphertext and a value moved to another row are SEAL_TAMPERED', () => {
  const s = createSealer(randomBytes(32));
  const sealed = Buffer.from(s.seal('secret', 'secret|a|client_secret'), 'base64');
  sealed[sealed.length - 1]! ^= 0x01;
  assert.throws(() => s.unseal(sealed.toString('base64'), 'secret|a|client_secret'), (e: unknown) =>
    e instanceof StoreError && e.code === 'SEAL_TAMPERED' && e.hint.length > 0);
  const ok = s.seal('secret', 'secret|a|client_secret');
  assert.throws(() => s.unseal(ok, 'secret|b|client_secret'), (e: unknown) => e instanceof StoreError && e.code === 'SEAL_TAMPERED');
});

test('another key is SEAL_WRONG_KEY with a hint about MAILBRIDGE_KEY', () => {
  const sealed = createSealer(randomBytes(32)).seal('x', 'aad');
  assert.throws(() => createSealer(randomBytes(32)).unseal(sealed, 'aad'), (e: unknown) =>
    e instanceof StoreError && e.code === 'SEAL_WRONG_KEY' && /MAILBRIDGE_KEY/.test(e.hint));
});

test('key from MAILBRIDGE_KEY; a wrong length is a ConfigError with a hint', () => {
  const key = randomBytes(32);
  const home = mkdtempSync(join(tmpdir(), 'mb-key-'));
  assert.deepEqual(findSealingKey({ home, env: { MAILBRIDGE_KEY: key.toString('base64') } })?.key, key);
  assert.throws(() => findSealingKey({ home, env: { MAILBRIDGE_KEY: randomBytes(16).toString('base64') } }), (e: unknown) =>
    e instanceof ConfigError && e.field === 'MAILBRIDGE_KEY' && /openssl rand -base64 32/.test(e.hint));
  assert.throws(() => findSealingKey({ home, env: { MAILBRIDGE_KEY: 'not base64 at all!' } }), ConfigError);
});

test('key file is created once with mode 0600 in a 0700 home, never overwritten, and reused', () => {
  const home = join(mkdtempSync(join(tmpdir(), 'mb-key-')), 'home');
  assert.equal(findSealingKey({ home, env: {} }), undefined, 'finding never creates');
  createKeyFile(home, randomBytes(32));
  assert.throws(() => createKeyFile(home, randomBytes(32)), (e: unknown) => e instanceof StoreError && e.code === 'KEY_FILE_EXISTS');
  const k1 = findSealingKey({ home, env: {} })?.key;
  const k2 = findSealingKey({ home, env: {} })?.key;
  assert.deepEqual(k1, k2);
  assert.equal(statSync(join(home, 'key')).mode & 0o777, 0o600);
  assert.equal(statSync(home).mode & 0o777, 0o700);
  assert.equal(Buffer.from(readFileSync(join(home, 'key'), 'utf8').trim(), 'base64').length, 32);
  chmodSync(join(home, 'key'), 0o644);
  assert.throws(() => findSealingKey({ home, env: {} }), (e: unknown) => e instanceof StoreError && e.code === 'KEY_FILE_EXPOSED');
  writeFileSync(join(home, 'key'), 'short', { mode: 0o600 });
  chmodSync(join(home, 'key'), 0o600);
  assert.throws(() => findSealingKey({ home, env: {} }), ConfigError);
});
