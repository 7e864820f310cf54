import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { formatAfterAction, parseAfterAction } from '../../src/message/after-action.js';
import { parseMessageFilter } from '../../src/message/filter.js';

test('after-processing actions parse and print back', () => {
  for (const text of ['leave', 'read', 'delete', 'move:Archive/2024']) assert.equal(formatAfterAction(parseAfterAction(text)), text);
  assert.deepEqual(parseAfterAction('move:Done'), { kind: 'move', folder: 'Done' });
});

test('an unknown after-processing action names the choices', () => {
  assert.throws(() => parseAfterAction('archive'), (e: unknown) => e instanceof ConfigError && e.code === 'AFTER_ACTION_INVALID' && /move:FOLDER/.test(e.hint));
  assert.throws(() => parseAfterAction('move:'), ConfigError);
});

test('filter input is checked: dates and sizes', () => {
  const f = parseMessageFilter({ since: '2024-05-01', larger: '1000', unseen: true });
  assert.equal(f.since?.toISOString(), '2024-05-01T00:00:00.000Z');
  assert.equal(f.larger, 1000);
  assert.throws(() => parseMessageFilter({ since: 'yesterday-ish' }), (e: unknown) => e instanceof ConfigError && e.field === 'since');
  assert.throws(() => parseMessageFilter({ larger: '-5' }), (e: unknown) => e instanceof ConfigError && e.field === 'larger');
  assert.throws(() => parseMessageFilter({ colour: 'red' }), ConfigError);
});
