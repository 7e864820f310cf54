import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMailbridgeError } from '../../../src/errors.js';
import { conditionsToGraph, messageFilterToGraph, odataString } from '../../../src/protocols/graph/filter.js';

describe('Graph $filter from the facade filter', () => {
  it('no filter: only the sort', () => {
    assert.deepEqual(messageFilterToGraph({}), { orderby: 'receivedDateTime desc' });
  });

  it('puts receivedDateTime first, as the $orderby rule demands', () => {
    const q = messageFilterToGraph({ unseen: true, since: new Date('2024-05-01T00:00:00Z'), subject: 'Q2' });
    assert.equal(q.filter, "receivedDateTime ge 2024-05-01T00:00:00Z and isRead eq false and contains(subject,'Q2')");
    assert.equal(q.orderby, 'receivedDateTime desc');
  });

  it('starts a filter without dates with an always-true receivedDateTime clause', () => {
    const q = messageFilterToGraph({ hasAttachments: true });
    assert.equal(q.filter, 'receivedDateTime ge 1900-01-01T00:00:00Z and hasAttachments eq true');
  });

  it('matches whole addresses exactly and parts with contains, recipients through any()', () => {
    const q = messageFilterToGraph({ from: 'Bob@Contoso.onmicrosoft.com', to: 'alice' });
    assert.match(q.filter ?? '', /from\/emailAddress\/address eq 'bob@contoso\.onmicrosoft\.com'/);
    assert.match(q.filter ?? '', /toRecipients\/any\(r:contains\(r\/emailAddress\/address,'alice'\)\)/);
  });

  it('escapes quotes by doubling them', () => {
    assert.equal(odataString("O'Brien"), "'O''Brien'");
    assert.match(messageFilterToGraph({ subject: "it's" }).filter ?? '', /contains\(subject,'it''s'\)/);
  });

  it('refuses size filters naming the protocols that have them', () => {
    assert.throws(() => messageFilterToGraph({ larger: 1000 }), (e: unknown) => isMailbridgeError(e) && e.code === 'FILTER_UNSUPPORTED' && /IMAP or EWS/.test(e.hint));
  });
});

describe('Graph $filter from the Exchange connector conditions', () => {
  it('maps the comparison operators', () => {
    const q = conditionsToGraph([
      { field: 'subject', op: '=', value: 'a' },
      { field: 'subject', op: '!=', value: 'b' },
      { field: 'isRead', op: '=', value: false },
      { field: 'sentDateTime', op: '<', value: '2024-01-01' },
      { field: 'sentDateTime', op: '<=', value: '2024-01-02' },
      { field: 'sentDateTime', op: '>', value: '2023-01-01' },
      { field: 'sentDateTime', op: '>=', value: '2023-01-02' },
    ]);
    assert.equal(q.filter, [
      'receivedDateTime ge 1900-01-01T00:00:00Z', "subject eq 'a'", "subject ne 'b'", 'isRead eq false',
      'sentDateTime lt 2024-01-01T00:00:00Z', 'sentDateTime le 2024-01-02T00:00:00Z', 'sentDateTime gt 2023-01-01T00:00:00Z', 'sentDateTime ge 2023-01-02T00:00:00Z',
    ].join(' and '));
  });

  it('between becomes ge/le, and received dates lead', () => {
    const q = conditionsToGraph([
      { field: 'subject', op: 'like', value: '%report%' },
      { field: 'receivedDateTime', op: 'between', value: ['2024-05-01', '2024-05-31'] },
    ]);
    assert.equal(q.filter, "receivedDateTime ge 2024-05-01T00:00:00Z and receivedDateTime le 2024-05-31T00:00:00Z and contains(subject,'report')");
  });

  it('like: prefix, suffix, infix and exact; recipients through any()', () => {
    const f = (value: string) => conditionsToGraph([{ field: 'subject', op: 'like', value }]).filter?.replace(/^.*? and /, '');
    assert.equal(f('Inv%'), "startswith(subject,'Inv')");
    assert.equal(f('%2024'), "endswith(subject,'2024')");
    assert.equal(f('%x%'), "contains(subject,'x')");
    assert.equal(f('exact'), "subject eq 'exact'");
    assert.equal(conditionsToGraph([{ field: 'to', op: 'like', value: '%@contoso%' }]).filter?.replace(/^.*? and /, ''), "toRecipients/any(r:contains(r/emailAddress/address,'@contoso'))");
  });

  it('rejects bad conditions with a typed error naming the field', () => {
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return isMailbridgeError(e) ? `${e.code}:${e.field}` : 'other'; } return 'none'; };
    assert.equal(code(() => conditionsToGraph([{ field: 'receivedDateTime', op: '>', value: 'yesterday' }])), 'FILTER_INVALID:receivedDateTime');
    assert.equal(code(() => conditionsToGraph([{ field: 'subject', op: 'between', value: 'x' }])), 'FILTER_INVALID:subject');
    assert.equal(code(() => conditionsToGraph([{ field: 'isRead', op: 'like', value: 'x' }])), 'FILTER_INVALID:isRead');
    assert.equal(code(() => conditionsToGraph([{ field: 'nope', op: '=', value: 'x' } as never])), 'FILTER_INVALID:field');
    assert.equal(code(() => conditionsToGraph([{ field: 'subject', op: 'like', value: 'a%b' }])), 'FILTER_INVALID:subject');
  });
});
