/**
 * The gateway's rules without a network: the source allow-list (loopback and named networks,
 * never a network wide enough to make an open relay), how upstream failures are classed
 * (transient: 4xx, Exchange's quota 5xx, 429/5xx, network, refused token; permanent: other 5xx),
 * and the RFC 3464 report the bounce carries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildBounce } from '../../src/gateway/dsn.js';
import { classifyFailure } from '../../src/gateway/failure.js';
import { buildSourceAllowList } from '../../src/gateway/smtp/access.js';
import { fromAllowed } from '../../src/gateway/users.js';
import { AuthError, ConfigError, ProtocolError } from '../../src/errors.js';

describe('source allow-list', () => {
  test('loopback and a named /24 match; anything else does not', () => {
    const list = buildSourceAllowList([
      { network: 'loopback', resource: 'a', allowedFrom: [] },
      { network: '192.0.2.0/24', resource: 'b', allowedFrom: [] },
      { network: '2001:db8:1::/64', resource: 'c', allowedFrom: [] },
    ]);
    assert.equal(list.match('127.0.0.1')?.resource, 'a');
    assert.equal(list.match('::ffff:127.0.0.1')?.resource, 'a');
    assert.equal(list.match('::1')?.resource, 'a');
    assert.equal(list.match('192.0.2.77')?.resource, 'b');
    assert.equal(list.match('::ffff:192.0.2.77')?.resource, 'b');
    assert.equal(list.match('2001:db8:1::5')?.resource, 'c');
    assert.equal(list.match('198.51.100.1'), undefined);
    assert.equal(list.match('2001:db8:2::5'), undefined);
    assert.equal(
      buildSourceAllowList([]).match('127.0.0.1'),
      undefined,
      'no list: not even loopback sends without a login',
    );
  });

  test('a network wide enough to be an open relay is refused with the fix', () => {
    for (const network of ['0.0.0.0/0', '10.0.0.0/8', '::/0', '2001:db8::/32']) {
      assert.throws(
        () => buildSourceAllowList([{ network, resource: 'a', allowedFrom: [] }]),
        (e: unknown) =>
          e instanceof ConfigError && e.code === 'GATEWAY_OPEN_RELAY_REFUSED' && /at most \/16/.test(e.hint),
        network,
      );
    }
    assert.throws(
      () => buildSourceAllowList([{ network: 'printers', resource: 'a', allowedFrom: [] }]),
      (e: unknown) => e instanceof ConfigError && e.code === 'GATEWAY_SOURCE_INVALID',
    );
  });

  test('From allow-list: exact addresses and whole domains, case-insensitive', () => {
    assert.ok(fromAllowed(['scan@contoso.com'], 'Scan@Contoso.com'));
    assert.ok(fromAllowed(['@contoso.com'], 'anyone@contoso.com'));
    assert.ok(!fromAllowed(['@contoso.com'], 'anyone@sub.contoso.com'));
    assert.ok(!fromAllowed(['scan@contoso.com'], 'ceo@contoso.com'));
    assert.ok(!fromAllowed([], 'scan@contoso.com'));
  });
});

describe('upstream failures', () => {
  const smtp = (line: string, code = 'SMTP_COMMAND_FAILED') =>
    new ProtocolError({
      code: code as 'SMTP_COMMAND_FAILED',
      message: 'x',
      hint: 'y',
      details: { serverResponse: line },
    });
  test('SMTP replies', () => {
    assert.deepEqual(
      [
        classifyFailure(smtp('421 4.3.2 Service not available')).kind,
        classifyFailure(smtp('421 4.3.2 Service not available')).status,
      ],
      ['transient', '4.3.2'],
    );
    const quota = classifyFailure(smtp('554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; …'));
    assert.equal(quota.kind, 'transient', 'Exchange\'s 30-a-minute quota is a 5xx that means "later"');
    const rcpt = classifyFailure(smtp('550 5.1.10 RESOLVER.ADR.RecipientNotFound'));
    assert.deepEqual([rcpt.kind, rcpt.status], ['permanent', '5.1.10']);
    assert.match(rcpt.diagnostic, /^smtp; 550 5\.1\.10/);
    assert.equal(
      classifyFailure(smtp('535 5.7.3 Authentication unsuccessful', 'SMTP_AUTH_FAILED')).kind,
      'transient',
      'a refused token holds the mail for a new consent',
    );
  });
  test('Graph statuses, network and token errors', () => {
    const graph = (status: number, graphCode?: string, retryAfterMs?: number) =>
      new ProtocolError({
        code: 'GRAPH_REQUEST_FAILED',
        message: 'x',
        hint: 'y',
        details: {
          status,
          ...(graphCode ? { graphCode } : {}),
          ...(retryAfterMs ? { retryAfterMs } : {}),
          requestId: 'req-1',
        },
      });
    const t = classifyFailure(graph(429, 'TooManyRequests', 7000));
    assert.deepEqual([t.kind, t.retryAfterMs], ['transient', 7000]);
    assert.match(t.diagnostic, /request-id req-1/);
    assert.equal(classifyFailure(graph(503)).kind, 'transient');
    assert.deepEqual(
      [classifyFailure(graph(403, 'ErrorSendAsDenied')).kind, classifyFailure(graph(403, 'ErrorSendAsDenied')).status],
      ['permanent', '5.7.1'],
    );
    assert.equal(classifyFailure(graph(413)).status, '5.3.4');
    assert.equal(
      classifyFailure(new ProtocolError({ code: 'CONNECTION_REFUSED', message: 'x', hint: 'y' })).kind,
      'transient',
    );
    assert.equal(
      classifyFailure(new AuthError({ code: 'OAUTH_INVALID_GRANT', message: 'x', hint: 'consent again' })).kind,
      'transient',
    );
  });
});

describe('the bounce (RFC 3464 in RFC 6522)', () => {
  test('multipart/report with the delivery-status fields and the original', () => {
    const original = Buffer.from('From: a@contoso.com\r\nSubject: Scan\r\n\r\nbody\r\n');
    const dsn = buildBounce({
      reportingMta: 'gw.contoso.com',
      to: 'a@contoso.com',
      from: 'a@contoso.com',
      envid: 'ENV1',
      recipients: [{ address: 'x@fabrikam.com', status: '5.1.10', diagnostic: 'smtp; 550 5.1.10 RecipientNotFound' }],
      arrivalDate: new Date('2026-12-07T12:00:00Z'),
      original,
      now: new Date('2026-12-07T12:05:00Z'),
    }).toString();
    assert.match(dsn, /^Content-Type: multipart\/report; report-type=delivery-status; boundary="([^"]+)"$/m);
    assert.match(dsn, /Auto-Submitted: auto-replied/);
    assert.match(
      dsn,
      /Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; gw\.contoso\.com\r\nOriginal-Envelope-Id: ENV1\r\nArrival-Date: Mon, 07 Dec 2026 12:00:00 \+0000\r\n\r\nFinal-Recipient: rfc822; x@fabrikam\.com\r\nAction: failed\r\nStatus: 5\.1\.10\r\nDiagnostic-Code: smtp; 550 5\.1\.10 RecipientNotFound\r\n/,
    );
    assert.ok(
      dsn.includes(`Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${original.toString()}`),
    );
    const hdrs = buildBounce({
      reportingMta: 'gw',
      to: 'a@b.c',
      from: 'a@b.c',
      ret: 'HDRS',
      recipients: [{ address: 'x@y.z', status: '5.0.0', diagnostic: 'd' }],
      arrivalDate: new Date(),
      original,
    }).toString();
    assert.match(hdrs, /Content-Type: text\/rfc822-headers/);
    assert.ok(!hdrs.includes('body\r\n--'), 'RET=HDRS returns the headers only');
  });
});
