/**
 * The CLI progress display (src/cli/progress.ts) driven through real streams: a PassThrough
 * marked as a terminal gets the in-place line (done/total, MB/s, ETA) and a cleared line at the
 * end; the same stream not marked as a terminal (a pipe) gets nothing at all. The clock is
 * injected, so nothing here depends on timing.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { createProgress, progressLine } from '../../src/cli/progress.js';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('progress display', () => {
  test('on a terminal: done/total, MB/s and ETA redrawn in place, the line cleared at the end', () => {
    const { stream, text } = capture(true);
    let t = 0;
    const p = createProgress({ total: 1000, stream, now: () => t, intervalMs: 100 });
    t = 2000;
    p.update(250, 50e6);
    t = 2050; // within the interval: not redrawn
    p.update(260, 51e6);
    t = 4000;
    p.update(500, 100e6);
    p.end();
    const out = text();
    const frames = out.split('\r').filter((f) => f.trim() !== '');
    assert.equal(frames.length, 2, out);
    assert.match(frames[0] as string, /^250\/1,000 messages {2}25\.0% {2}25\.0 MB\/s {2}ETA 6s/);
    assert.match(frames[1] as string, /^500\/1,000 messages {2}50\.0% {2}25\.0 MB\/s {2}ETA 4s/);
    assert.ok(out.endsWith(`\r${' '.repeat(79)}\r`), 'the last write clears the line');
    assert.ok(!out.includes('\n'), "never a new line: the summary line is the caller's");
  });

  test('the last item is always drawn, whatever the interval', () => {
    const { stream, text } = capture(true);
    const p = createProgress({ total: 3, stream, now: () => 0, intervalMs: 1e9 });
    p.update(1);
    p.update(2);
    p.update(3);
    assert.match(text(), /3\/3 messages {2}100\.0%/);
  });

  test('on a pipe (not a terminal): writes nothing', () => {
    const { stream, text } = capture(false);
    const p = createProgress({ total: 10, stream, now: () => 0 });
    for (let i = 1; i <= 10; i++) p.update(i, i * 1e6);
    p.end();
    assert.equal(text(), '');
  });

  test('a stream without isTTY (a file) writes nothing; nothing to do writes nothing', () => {
    const plain = new PassThrough();
    const chunks: Buffer[] = [];
    plain.on('data', (c: Buffer) => chunks.push(c));
    createProgress({ total: 5, stream: plain }).update(5);
    const { stream, text } = capture(true);
    const empty = createProgress({ total: 0, stream });
    empty.update(0);
    empty.end();
    assert.equal(chunks.length, 0);
    assert.equal(text(), '');
  });

  test('a terminal that reports 0 columns (an unsized pseudo-terminal) gets 80', () => {
    const { stream, text } = capture(true);
    stream.columns = 0;
    const p = createProgress({ total: 2, stream, now: () => 0 });
    p.update(2);
    p.end();
    assert.ok(text().endsWith(`\r${' '.repeat(79)}\r`), text());
  });

  test('long runs: hours and minutes in the ETA, no rate before bytes moved', () => {
    assert.equal(
      progressLine({ done: 1, total: 10_000, bytes: 0, seconds: 1, unit: 'messages' }),
      '1/10,000 messages  0.0%  ETA 2h46m',
    );
    assert.equal(
      progressLine({ done: 10, total: 10, bytes: 5e6, seconds: 2, unit: 'messages' }),
      '10/10 messages  100.0%  2.5 MB/s',
    );
  });
});
