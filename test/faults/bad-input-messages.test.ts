/**
 * Fault suite, bad messages in process: a seeded fuzz of MIME and charsets through parseMessage,
 * and an attachment larger than the server's limit.
 *
 * Attachment size: mailbridge sets no limit of its own (Exchange Online's is a tenant
 * setting, 35 MB by default and up to 150 MB, advertised in EHLO SIZE; "Message limits" in
 * https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits):
 * the server's refusal must come back as a typed error, nothing crashes, nothing half-sent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { resourceSchema } from '../../src/config/resource.js';
import { MailbridgeError } from '../../src/errors.js';
import { parseMessage } from '../../src/message/parse.js';
import { createSmtpSender } from '../../src/protocols/smtp/sender.js';

/** 日本語 in ISO-2022-JP (iconv-lite decodes but does not encode it). */
const JP = Buffer.from('\x1b$BF|K\\8l\x1b(B', 'latin1');
const BASE_MIME = Buffer.concat([
  Buffer.from('From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <y@example.jp>\r\nTo: a@example.test\r\nSubject: =?UTF-8?B?5pel5pys6Kqe?= =?Shift_JIS?B?g2WDWINn?=\r\n'),
  Buffer.from('MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'),
  Buffer.from('--inner\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'), JP,
  Buffer.from('\r\n--inner\r\nContent-Type: text/html; charset=Shift_JIS\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>=93=FA=96{</p>\r\n--inner--\r\n'),
  Buffer.from('--outer\r\nContent-Type: application/octet-stream; name*=UTF-8\'\'%E8%A6%8B%E7%A9%8D.pdf\r\nContent-Disposition: attachment; filename*0*=ISO-2022-JP\'\'%1B%24B8%2B%1B%28B; filename*1=.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n'),
]);

test('parseMessage: 1,000 seeded mutations of a multipart Japanese message resolve (with warnings) or reject typed; never a raw exception', { timeout: 60_000 }, async () => {
  const ok = await parseMessage(BASE_MIME);
  assert.match(ok.subject, /日本語/);
  let seed = 0x12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const bytes = ['\r\n', '\n', '=?', '?=', '?B?', '?Q?', '\x1b$B', '\x1b(B', '--outer', '--inner--', 'charset=', 'boundary=', '"', ';', '\x00', '\xff', '=\r\n', '%', "''"];
  let warned = 0;
  for (let i = 0; i < 1000; i++) {
    let b = Buffer.from(BASE_MIME);
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
      const at = Math.floor(rnd() * b.length);
      const r = rnd();
      if (r < 0.3) b[at] = Math.floor(rnd() * 256);
      else if (r < 0.6) b = Buffer.concat([b.subarray(0, at), Buffer.from(bytes[Math.floor(rnd() * bytes.length)]!, 'latin1'), b.subarray(at)]);
      else if (r < 0.8) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rnd() * 30))]);
      else b = b.subarray(0, at);
    }
    try {
      const m = await parseMessage(b);
      assert.equal(typeof m.subject, 'string');
      if (m.warnings.length > 0) warned++;
    } catch (e) {
      assert.ok(e instanceof MailbridgeError, `case ${i}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)} for ${JSON.stringify(b.toString('latin1'))}`);
    }
  }
  console.log(`# mime fuzz: 1000 mutations parsed or refused typed; ${warned} with decoding warnings`);
});

test('an attachment over the server\'s size limit: a typed error carrying the server\'s 552, nothing crashes, the server kept nothing', { timeout: 60_000 }, async () => {
  const LIMIT = 1024 * 1024;
  let stored = 0;
  const server = new SMTPServer({
    secure: false, authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], size: LIMIT, logger: false,
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return cb(Object.assign(new Error('Message exceeds fixed maximum message size'), { responseCode: 552 }));
        stored++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.server.address() as AddressInfo).port;
    const resource = resourceSchema.parse({
      name: 'small', kind: 'smtp', server: { host: '127.0.0.1', port, secure: 'none' }, from: 'a@example.test', authType: 'none', tls: { allowPlaintextLoopback: true },
    });
    const sender = createSmtpSender({ resource });
    try {
      await assert.rejects(sender.send({
        from: 'a@example.test', to: 'b@example.test', subject: 'big', text: 'see attachment',
        attachments: [{ filename: 'big.bin', content: randomBytes(2 * LIMIT) }],
      }), (e: unknown) => {
        assert.ok(e instanceof MailbridgeError, String(e));
        assert.match(`${e.message} ${String(e.details.serverResponse ?? '')}`, /552|size/i);
        assert.ok(e.hint.length > 0);
        return true;
      });
      // The same sender still works for a message within the limit.
      await sender.send({ from: 'a@example.test', to: 'b@example.test', subject: 'small', text: 'fits' });
    } finally {
      sender.close();
    }
    assert.equal(stored, 1, 'only the message within the limit was stored');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
