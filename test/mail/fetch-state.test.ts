import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { FETCH_STATE_FILE, FetchState } from '../../src/mail/fetch-state.js';

test('fetch state survives a reload and refuses another resource', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mb-state-'));
  const s = await FetchState.load(dir, 'r1', 'INBOX');
  await s.markSaved(['7']);
  await s.markProcessed(['7']);
  await s.markSaved(['8']);
  const again = await FetchState.load(dir, 'r1', 'INBOX');
  assert.equal(again.isProcessed('7'), true);
  assert.equal(again.isSaved('8'), true);
  assert.equal(again.isProcessed('8'), false);
  await assert.rejects(FetchState.load(dir, 'r2', 'INBOX'), (e: unknown) => e instanceof ConfigError && e.code === 'FETCH_STATE_MISMATCH');
  assert.match(await readFile(join(dir, FETCH_STATE_FILE), 'utf8'), /"saved":\["7","8"\]/);
});

test('a corrupt state file is refused, not overwritten', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mb-state-'));
  await writeFile(join(dir, FETCH_STATE_FILE), '{"version":1,');
  await assert.rejects(FetchState.load(dir, 'r1', 'INBOX'), (e: unknown) => e instanceof ConfigError && e.code === 'FETCH_STATE_INVALID');
  assert.equal(await readFile(join(dir, FETCH_STATE_FILE), 'utf8'), '{"version":1,');
});
