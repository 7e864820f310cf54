/**
 * The IMAP gateway's pre-login command reader on its own: quoted strings with escapes,
 * synchronizing and non-synchronizing literals, refusals before a literal is read, and lines
 * that are not commands. The bytes come through a PassThrough as they would off a socket.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { readImapCommand, type ReadResult } from '../../src/gateway/imap/command.js';
import { WireBuffer } from '../../src/protocols/wire-buffer.js';

const LIMITS = { maxLine: 1024, maxLiteral: 64 };

async function read(
  input: string | Buffer,
  gate: (name: string, size: number) => string | undefined = () => undefined,
) {
  const wire = new PassThrough();
  const buffer = new WireBuffer(wire, { timeoutMs: 2000 });
  let continuations = 0;
  wire.write(input);
  const result: ReadResult = await readImapCommand(buffer, () => continuations++, LIMITS, gate);
  return { result, continuations, rest: buffer.release().toString() };
}

describe('IMAP gateway command reader', () => {
  it('reads atoms and quoted strings with \\" and \\\\ escapes', async () => {
    const { result } = await read('a1 login "ann" "p\\"a\\\\ss word"\r\n');
    assert.deepEqual(result, { kind: 'command', command: { tag: 'a1', name: 'LOGIN', args: ['ann', 'p"a\\ss word'] } });
  });

  it('reads literals: {n} asks for a continuation, {n+} does not; bytes are UTF-8', async () => {
    const pass = Buffer.from('pässwörd');
    const { result, continuations, rest } = await read(
      Buffer.concat([
        Buffer.from('a2 LOGIN {3}\r\nann {' + String(pass.length) + '+}\r\n'),
        pass,
        Buffer.from('\r\na3 SELECT INBOX\r\n'),
      ]),
    );
    assert.deepEqual(result, { kind: 'command', command: { tag: 'a2', name: 'LOGIN', args: ['ann', 'pässwörd'] } });
    assert.equal(continuations, 1);
    assert.equal(rest, 'a3 SELECT INBOX\r\n', 'what follows is left for the relay');
  });

  it('refuses a literal before reading it (too large, or refused by the gate)', async () => {
    const big = await read('a4 LOGIN {100}\r\n');
    assert.deepEqual(big.result, {
      kind: 'literal-refused',
      tag: 'a4',
      name: 'LOGIN',
      sync: true,
      reason: 'literal too large',
    });
    assert.equal(big.continuations, 0);
    const gated = await read('a5 LOGIN ann {4+}\r\n', (name) =>
      name === 'LOGIN' ? 'Log in after STARTTLS' : undefined,
    );
    assert.deepEqual(gated.result, {
      kind: 'literal-refused',
      tag: 'a5',
      name: 'LOGIN',
      sync: false,
      reason: 'Log in after STARTTLS',
    });
  });

  it('parentheses are tokens (ID lists), and bad lines are reported with their tag when there is one', async () => {
    assert.deepEqual((await read('a6 ID ("name" "Thunderbird")\r\n')).result, {
      kind: 'command',
      command: { tag: 'a6', name: 'ID', args: ['(', 'name', 'Thunderbird', ')'] },
    });
    assert.deepEqual((await read('a7 LOGIN "unterminated\r\n')).result, {
      kind: 'bad',
      tag: 'a7',
      reason: 'an unterminated quoted string',
    });
    assert.deepEqual((await read('* LOGIN a b\r\n')).result, {
      kind: 'bad',
      reason: 'a command must start with a tag',
    });
    assert.deepEqual((await read('a8\r\n')).result, { kind: 'bad', tag: 'a8', reason: 'no command name' });
  });
});
