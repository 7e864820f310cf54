import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readHeaderAddresses } from '../../src/gateway/headers.js';

const read = (s: string) => readHeaderAddresses(Buffer.from(s));

describe('the header addresses the gateway checks (From allow-list, Graph Bcc)', () => {
  test('display names with commas, groups, comments and folded lines give the bare addresses, lowercased', () => {
    const h = read(
      'From: "Doe, John" <John.Doe@Example.com>\r\nTo: team: a@x.com, b@y.com;\r\nCc: c@z.com (desk)\r\n' +
        'Bcc:\r\n =?utf-8?B?5bGx55Sw?= <folded@example.com>\r\nMessage-ID: <abc@def>\r\n\r\nbody',
    );
    assert.deepEqual(h, {
      from: ['john.doe@example.com'],
      sender: [],
      to: ['a@x.com', 'b@y.com'],
      cc: ['c@z.com'],
      bcc: ['folded@example.com'],
      messageId: '<abc@def>',
    });
  });

  test('every From and Sender counts, so a second author cannot hide behind an allowed first', () => {
    const h = read('From: first@a.com\r\nFrom: second@b.com\r\nSender: s@c.com\r\n\r\n');
    assert.deepEqual([h.from, h.sender], [['first@a.com', 'second@b.com'], ['s@c.com']]);
  });

  test('an encoded word inside the address is no address; one in the display name stays a name', () => {
    assert.deepEqual(read('From: =?utf-8?B?YWRtaW5AYmFuay5jb20=?=@evil.com\r\n\r\n').from, []);
    assert.deepEqual(read('From: "=?utf-8?B?Q0VP?= <ceo@bank.com>" <attacker@evil.com>\r\n\r\n').from, [
      'attacker@evil.com',
    ]);
  });

  test('an internationalized domain compares in Unicode whether written in UTF-8 or punycode', () => {
    assert.deepEqual(read('From: 山田 <yamada@例え.jp>\r\nTo: user@xn--r8jz45g.jp\r\n\r\n'), {
      from: ['yamada@例え.jp'],
      sender: [],
      to: ['user@例え.jp'],
      cc: [],
      bcc: [],
    });
  });

  test('only the header block is read (LF line ends too); a body line is never a header', () => {
    const h = read('From: a@b.c\nTo: x@y.z\n\nFrom: evil@x.y\n');
    assert.deepEqual([h.from, h.to], [['a@b.c'], ['x@y.z']]);
    assert.deepEqual(read('Subject: no addresses\r\n__proto__: x@y.z\r\n\r\n').from, []);
  });
});
