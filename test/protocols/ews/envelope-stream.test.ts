/**
 * The event stream of GetStreamingEvents cut into envelopes as bytes arrive: envelopes split
 * across chunks (and a UTF-8 character split across two), several in one chunk, any namespace
 * prefix, what is left when the stream is cut mid-envelope, and the cap on an envelope that
 * never ends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvelopeSplitter } from '../../../src/protocols/ews/envelope-stream.js';

const envelope = (n: number, prefix = 's') =>
  `<?xml version="1.0" encoding="utf-8"?><${prefix}:Envelope xmlns:${prefix}="http://schemas.xmlsoap.org/soap/envelope/"><${prefix}:Body><m:X>件名 ${n} &lt;/s:Envelope&gt;</m:X></${prefix}:Body></${prefix}:Envelope>`;

test('envelopes come out whole, whatever the chunking', () => {
  const stream = Buffer.from(envelope(1) + '\r\n' + envelope(2, 'soap') + envelope(3));
  for (const size of [1, 2, 3, 7, 64, stream.length]) {
    const s = new EnvelopeSplitter(1 << 20);
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += size) out.push(...s.push(stream.subarray(i, i + size)));
    assert.deepEqual(out, [envelope(1), envelope(2, 'soap'), envelope(3)], `chunks of ${size} bytes`);
    assert.equal(s.pending, '');
  }
});

test('a stream cut inside an envelope leaves it pending; an envelope over the cap is refused', () => {
  const s = new EnvelopeSplitter(1 << 20);
  const whole = Buffer.from(envelope(1) + envelope(2));
  const cut = whole.subarray(0, whole.length - 20);
  assert.deepEqual(s.push(cut), [envelope(1)]);
  assert.notEqual(s.pending, '', 'the half envelope is what the caller reports as a cut stream');

  const small = new EnvelopeSplitter(100);
  assert.throws(() => small.push(Buffer.from(`<s:Envelope>${'x'.repeat(200)}`)), RangeError);
});
