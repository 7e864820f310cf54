import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphError } from '../../../../packages/sandbox/src/exchange/graph/errors.js';
import { evaluateFilter, filterProperties, parseFilter } from '../../../../packages/sandbox/src/exchange/graph/odata/filter.js';

const view = {
  subject: "O'Brien report", isRead: false, importance: 'high', receivedDateTime: Date.UTC(2026, 1, 1),
  from: { emailAddress: { address: 'Carol@Example.org' } }, toRecipients: [{ emailAddress: { address: 'a@x.org' } }, { emailAddress: { address: 'b@x.org' } }],
};
const matches = (f: string): boolean => evaluateFilter(parseFilter(f), view);

describe('graph $filter grammar', () => {
  it('evaluates comparisons, functions, lambdas and boolean logic', () => {
    assert.equal(matches("subject eq 'O''Brien report'"), true);
    assert.equal(matches("from/emailAddress/address eq 'carol@example.org'"), true, 'strings compare case-insensitively');
    assert.equal(matches('receivedDateTime ge 2026-02-01T00:00:00Z and receivedDateTime lt 2026-02-02'), true);
    assert.equal(matches("receivedDateTime gt '2026-02-01T00:00:00Z'"), false);
    assert.equal(matches("(isRead eq true or importance eq 'high') and not contains(subject,'draft')"), true);
    assert.equal(matches("toRecipients/any(r:r/emailAddress/address eq 'b@x.org')"), true);
    assert.equal(matches("endswith(subject,'REPORT')"), true);
    assert.equal(matches('isRead'), false);
  });

  it('lists properties in order of appearance and rejects malformed input with a 400', () => {
    assert.deepEqual(filterProperties(parseFilter("receivedDateTime ge 2026-01-01 and isRead eq false and startswith(subject,'x')")), ['receivedDateTime', 'isRead', 'subject']);
    for (const bad of ["subject eq 'open", 'isRead eq', '(isRead eq true', 'isRead eq true )', '#']) {
      assert.throws(() => parseFilter(bad), (e: unknown) => e instanceof GraphError && e.status === 400, bad);
    }
  });
});
