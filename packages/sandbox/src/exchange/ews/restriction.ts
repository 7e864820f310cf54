import type { StoredMessage } from '../contract.js';
import { EwsError } from './soap.js';
import { NS, t, type XNode } from './xml.js';

/**
 * FindItem restrictions (t:Restriction) over the properties a mail client filters on, evaluated
 * against the store's message summaries. Unsupported properties or expressions answer as
 * Exchange does for a property it cannot query: ErrorUnsupportedPathForQuery.
 */

export type Predicate = (msg: StoredMessage) => boolean;
type Value = string | number | boolean;

const IMPORTANCE_ORDER = { Low: 0, Normal: 1, High: 2 } as const;

const PROPERTIES: Record<string, { type: 'string' | 'number' | 'bool' | 'date' | 'importance'; get(m: StoredMessage): Value }> = {
  'item:Subject': { type: 'string', get: (m) => m.summary.subject },
  'message:IsRead': { type: 'bool', get: (m) => m.flags.has('\\Seen') },
  'item:DateTimeReceived': { type: 'date', get: (m) => m.receivedAt },
  'item:DateTimeSent': { type: 'date', get: (m) => m.summary.sentAt ?? m.receivedAt },
  'message:From': { type: 'string', get: (m) => m.summary.from?.address ?? '' },
  'message:Sender': { type: 'string', get: (m) => (m.summary.sender ?? m.summary.from)?.address ?? '' },
  'item:HasAttachments': { type: 'bool', get: (m) => m.summary.hasAttachments },
  'item:Importance': { type: 'importance', get: (m) => IMPORTANCE_ORDER[({ low: 'Low', normal: 'Normal', high: 'High' } as const)[m.summary.importance]] },
  'item:Size': { type: 'number', get: (m) => m.size },
  'message:IsFlagged': { type: 'bool', get: (m) => m.flags.has('\\Flagged') },
};

function property(node: XNode | undefined) {
  const uri = node && node.ns === NS.t && node.name === 'FieldURI' ? node.attrs.FieldURI : undefined;
  const prop = uri ? PROPERTIES[uri] : undefined;
  if (!uri || !prop) throw new EwsError('ErrorUnsupportedPathForQuery', `The property ${uri ?? node?.name ?? '(none)'} can't be used in a restriction.`);
  return { uri, ...prop };
}

function constant(raw: string, type: (typeof PROPERTIES)[string]['type'], uri: string): Value {
  const bad = () => new EwsError('ErrorInvalidValueForProperty', `The value "${raw}" is not valid for ${uri}.`);
  switch (type) {
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw bad();
      return raw === 'true';
    case 'date': {
      const ms = Date.parse(raw);
      if (Number.isNaN(ms)) throw bad();
      return ms;
    }
    case 'importance': {
      const v = IMPORTANCE_ORDER[raw as keyof typeof IMPORTANCE_ORDER];
      if (v === undefined) throw bad();
      return v;
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) throw bad();
      return n;
    }
    default:
      return raw;
  }
}

const COMPARISONS: Record<string, (a: Value, b: Value) => boolean> = {
  IsEqualTo: (a, b) => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b),
  IsNotEqualTo: (a, b) => !(typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b),
  IsLessThan: (a, b) => a < b,
  IsLessThanOrEqualTo: (a, b) => a <= b,
  IsGreaterThan: (a, b) => a > b,
  IsGreaterThanOrEqualTo: (a, b) => a >= b,
};

function expression(node: XNode): Predicate {
  if (node.ns !== NS.t) throw new EwsError('ErrorSchemaValidation', `<${node.name}> is not a search expression.`);
  const elements = node.children;
  switch (node.name) {
    case 'And': {
      const parts = elements.map(expression);
      return (msg) => parts.every((p) => p(msg));
    }
    case 'Or': {
      const parts = elements.map(expression);
      return (msg) => parts.some((p) => p(msg));
    }
    case 'Not': {
      const inner = elements[0];
      if (!inner) throw new EwsError('ErrorSchemaValidation', '<t:Not> needs one search expression.');
      const p = expression(inner);
      return (msg) => !p(msg);
    }
    case 'Exists': {
      const prop = property(elements[0]);
      return (msg) => prop.get(msg) !== '';
    }
    case 'Contains': {
      const prop = property(elements[0]);
      const value = t(node, 'Constant')?.attrs.Value ?? '';
      const mode = node.attrs.ContainmentMode ?? 'Substring';
      const ignoreCase = /IgnoreCase/.test(node.attrs.ContainmentComparison ?? 'Exact');
      const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
      const needle = norm(value);
      return (msg) => {
        const hay = norm(String(prop.get(msg)));
        if (mode === 'FullString') return hay === needle;
        if (mode === 'Prefixed') return hay.startsWith(needle);
        if (mode === 'PrefixOnWords') return hay.split(/\s+/).some((w) => w.startsWith(needle));
        // Substring and ExactPhrase: the store has no word index, so a phrase is a substring.
        return hay.includes(needle);
      };
    }
    default: {
      const compare = COMPARISONS[node.name];
      if (!compare) throw new EwsError('ErrorUnsupportedQueryFilter', `The restriction <t:${node.name}> is not supported.`);
      const prop = property(elements[0]);
      const operand = t(node, 'FieldURIOrConstant');
      const constNode = t(operand, 'Constant');
      if (!constNode) throw new EwsError('ErrorUnsupportedQueryFilter', 'Only constants can be compared with a property.');
      const value = constant(constNode.attrs.Value ?? '', prop.type, prop.uri);
      return (msg) => compare(prop.get(msg), value);
    }
  }
}

/** A predicate for the m:Restriction element (absent: everything matches). */
export function parseRestriction(restriction: XNode | undefined): Predicate {
  const root = restriction?.children[0];
  return root ? expression(root) : () => true;
}
