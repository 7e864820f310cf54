import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphErrorFromResponse, parseRetryAfter } from '../../../src/protocols/graph/errors.js';
import { buildQuery } from '../../../src/protocols/graph/http.js';
import { nextPageRequest } from '../../../src/protocols/graph/paging.js';
import { mailboxPrefix } from '../../../src/protocols/graph/target.js';

const ctx = { method: 'GET', path: '/v1.0/me/messages', host: 'graph.microsoft.com', operation: 'receive' as const };

/** Graph error JSON as microsoft.md §5.7 shows it. */
function body(code: string, message: string, requestId = 'e6ea1bde-9f04-46a8-9705-824047cfd611'): string {
  return JSON.stringify({ error: { code, message, innerError: { date: '2026-08-13T13:03:10', 'request-id': requestId, 'client-request-id': requestId } } });
}

describe('Graph error JSON → typed errors', () => {
  const cases: Array<[number, string, string, string]> = [
    [401, 'InvalidAuthenticationToken', 'Access token is empty.', 'GRAPH_AUTH_INVALID'],
    [403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.', 'GRAPH_ACCESS_DENIED'],
    [403, 'ErrorAccessDenied', 'Access to OData is disabled: Blocked by tenant configured AppOnly AccessPolicy settings.', 'GRAPH_APP_ACCESS_POLICY'],
    [404, 'ErrorItemNotFound', 'The specified object was not found in the store.', 'GRAPH_ITEM_NOT_FOUND'],
    [400, 'InefficientFilter', 'The restriction or sort order is too complex for this operation.', 'GRAPH_INEFFICIENT_FILTER'],
    [404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.', 'GRAPH_MAILBOX_NOT_ENABLED'],
    [429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', 'GRAPH_THROTTLED'],
    [429, 'TooManyRequests', 'Please retry again later.', 'GRAPH_THROTTLED'],
    [410, 'syncStateNotFound', 'The sync state is not found.', 'GRAPH_SYNC_RESET'],
    [410, 'resyncRequired', 'Resync required.', 'GRAPH_SYNC_RESET'],
    [400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.', 'GRAPH_MIME_INVALID'],
    [403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.', 'GRAPH_SEND_AS_DENIED'],
    [507, 'ErrorQuotaExceeded', 'The mailbox is over its size quota.', 'GRAPH_MAILBOX_FULL'],
    [413, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.', 'GRAPH_MESSAGE_TOO_LARGE'],
    [404, 'ErrorInvalidUser', "The requested user 'x@contoso.com' is invalid.", 'GRAPH_USER_NOT_FOUND'],
    [500, 'generalException', 'boom', 'GRAPH_REQUEST_FAILED'],
  ];
  for (const [status, code, message, expected] of cases) {
    it(`${status} ${code}${expected === 'GRAPH_APP_ACCESS_POLICY' ? ' (ApplicationAccessPolicy)' : ''} → ${expected}, request-id kept`, () => {
      const e = graphErrorFromResponse(ctx, { status, body: body(code, message, `rid-${code}`), headers: {}, clientRequestId: 'ours' });
      assert.equal(e.code, expected);
      assert.equal(e.details.requestId, `rid-${code}`);
      assert.equal(e.details.graphCode, code);
      assert.equal(e.details.status, status);
      assert.equal(e.details.protocol, 'graph');
      assert.equal(e.details.family, 103);
      assert.ok(e.hint.length > 20);
    });
  }

  it('a body that is not Graph JSON still keeps the request-id header and our client-request-id', () => {
    const e = graphErrorFromResponse(ctx, { status: 502, body: '<html>Bad gateway</html>', headers: { 'request-id': 'hdr-rid' }, clientRequestId: 'ours' });
    assert.equal(e.code, 'GRAPH_UNAVAILABLE');
    assert.equal(e.details.requestId, 'hdr-rid');
    assert.equal(e.details.clientRequestId, 'ours');
  });

  it('keeps Retry-After on a throttling error', () => {
    const e = graphErrorFromResponse(ctx, { status: 429, body: body('TooManyRequests', 'x'), headers: { 'retry-after': '10' }, clientRequestId: 'c' });
    assert.equal(e.details.retryAfterMs, 10_000);
  });

  it('never echoes a token found in a message', () => {
    const e = graphErrorFromResponse(ctx, { status: 401, body: body('InvalidAuthenticationToken', 'bad eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'), headers: {}, clientRequestId: 'c' });
    assert.doesNotMatch(e.message, /eyJhbGci/);
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, ignores junk', () => {
    assert.equal(parseRetryAfter('10'), 10_000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('-5'), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('paging links and query strings', () => {
  it('follows nextLink verbatim, without adding the first request\'s query again', () => {
    const first = { method: 'GET' as const, url: '/me/messages', query: { $top: 5 }, headers: { prefer: 'odata.maxpagesize=5' } };
    const link = 'https://graph.microsoft.com/v1.0/me/messages?%24top=5&%24skip=5';
    assert.deepEqual(nextPageRequest(first, link), { method: 'GET', url: link, headers: { prefer: 'odata.maxpagesize=5' } });
    assert.equal(nextPageRequest(first, undefined), undefined);
  });

  it('writes OData options with $ and %20', () => {
    assert.equal(buildQuery({ $filter: "isRead eq false and contains(subject,'a b')", $top: 10, skip: undefined }), "?$filter=isRead%20eq%20false%20and%20contains(subject%2C'a%20b')&$top=10");
  });

  it('uses /me for the token\'s own mailbox and /users/{id} for app-only or another mailbox', () => {
    assert.equal(mailboxPrefix({ appOnly: false }), '/me');
    assert.equal(mailboxPrefix({ appOnly: false, user: 'alice@contoso.com', tokenUser: 'Alice@contoso.com' }), '/me');
    assert.equal(mailboxPrefix({ appOnly: false, user: 'shared@contoso.com', tokenUser: 'alice@contoso.com' }), '/users/shared%40contoso.com');
    assert.equal(mailboxPrefix({ appOnly: true, user: 'bob@contoso.com' }), '/users/bob%40contoso.com');
  });
});

describe('Graph fixes are the same as the SMTP path\'s where the cause is the same (issue 19)', () => {
  it('ErrorSendAsDenied gives 5.7.60\'s fix (Add-RecipientPermission … SendAs), never "read the Graph error code"', () => {
    const e = graphErrorFromResponse(ctx, { status: 403, body: body('ErrorSendAsDenied', 'no'), headers: {}, clientRequestId: 'ours' });
    assert.match(e.hint, /Add-RecipientPermission .*-AccessRights SendAs/);
    assert.doesNotMatch(e.hint, /read the Graph error code/);
  });
});
