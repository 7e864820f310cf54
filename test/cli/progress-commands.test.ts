/**
 * The progress display of `list` and bulk `delete`, spawned as a user runs them: under a
 * pseudo-terminal (util-linux `script`) the done/total line is drawn in place and cleared, then
 * the one summary line; through a pipe nothing but the summary. Nothing here depends on timing:
 * the last item is always drawn, and intermediate frames are not counted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { cliEntry } from '../helpers/cli.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { msg, opsHome, type OpsHome } from './mail-ops-support.js';

const run = promisify(execFile);
const COUNT = Number(process.env.PROGRESS_TEST_COUNT ?? 205); // more than one delete round (200)

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `mailbridge ARGS` under a pseudo-terminal: what the terminal showed (stdout and stderr together). */
async function onTerminal(home: string, args: string[]): Promise<string> {
  // a pseudo-terminal starts with no size: 100 columns, so the cleared line is known
  const command = `stty cols 100 rows 30; ${[process.execPath, ...cliEntry(), ...args].map(shellQuote).join(' ')}`;
  try {
    const { stdout } = await run('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, MAILBRIDGE_HOME: home, LANG: 'C', LC_ALL: '', LC_MESSAGES: '' },
      cwd: process.cwd(),
      maxBuffer: 16 << 20,
    });
    return stdout;
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    throw new Error(`exit ${x.code} under script: ${x.stdout.slice(-2000)} ${x.stderr.slice(-500)}`);
  }
}

describe('progress display of list and bulk delete', () => {
  let rig: Rig;
  let ops: OpsHome;
  let user: string;

  before(async () => {
    rig = loadRig();
    user = rig.uniqueMailbox();
    ops = await opsHome(rig, { in: { kind: 'imap', user } });
    for (let i = 0; i < COUNT; i += 25)
      await Promise.all(
        Array.from({ length: Math.min(25, COUNT - i) }, (_, j) => rig.deliver(user, msg(user, `m${i + j}`))),
      );
  });

  test('list: the rows, and on a terminal the progress line before them; the summary either way', async () => {
    const piped = await ops.cli(['list', 'in']);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout.trim().split('\n').length, COUNT);
    assert.equal(piped.stderr, `${COUNT} messages in INBOX\n`, 'a pipe gets the summary and nothing else');

    const shown = await onTerminal(ops.home, ['list', 'in']);
    assert.match(shown, new RegExp(`\\r${COUNT}/${COUNT} messages {2}100\\.0%`), 'the last frame, drawn in place');
    assert.match(shown, /\r {99}\r/, 'the line is cleared before the rows');
    assert.ok(shown.indexOf('100.0%') < shown.indexOf('m0'), 'the display comes before the rows');
    assert.match(shown, new RegExp(`${COUNT} messages in INBOX\\r?\\n$`), 'one summary line at the end');
  });

  test('delete: done/total on a terminal, only the summary on a pipe', async () => {
    const ids = (await ops.list('in')).map((m) => m.id);
    assert.equal(ids.length, COUNT);
    const shown = await onTerminal(ops.home, ['delete', 'in', ...ids.slice(0, 201)]);
    assert.match(shown, /\r201\/201 messages {2}100\.0%/);
    assert.match(shown, /deleted 201 messages from INBOX\r?\n$/);
    assert.equal(await rig.countMessages(user), COUNT - 201);

    const piped = await ops.cli(['delete', 'in', ...ids.slice(201)]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, `deleted ${COUNT - 201} messages from INBOX\n`);
    assert.equal(piped.stderr, '', 'no progress on a pipe');
    assert.equal(await rig.countMessages(user), 0);
  });
});
