import { badRequest, type GraphError } from '../errors.js';

/**
 * The OData `$filter` subset Exchange's Graph mail endpoints accept: comparisons (eq ne gt ge
 * lt le), and/or/not, parentheses, contains()/startswith()/endswith(), and `any` lambdas over
 * collections (`toRecipients/any(r:r/emailAddress/address eq 'x')`). Evaluated against a plain
 * "view" object whose date properties are numbers (ms), so comparisons need no schema.
 */
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'cmp'; op: CmpOp; left: Operand; right: Operand }
  | { kind: 'fn'; name: 'contains' | 'startswith' | 'endswith'; target: Operand; arg: Operand }
  | { kind: 'any'; path: string[]; variable: string; body: FilterNode }
  | { kind: 'bool'; operand: Operand };

export type CmpOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type Operand = { kind: 'path'; path: string[] } | { kind: 'lit'; value: Literal };
export type Literal = string | number | boolean | null;

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'date'; v: number }
  | { t: 'word'; v: string }
  | { t: '(' | ')' | ',' | ':' };

const DATE_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;

function invalid(detail: string): GraphError {
  return badRequest(`Invalid filter clause: ${detail}`, 'BadRequest');
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '(' || c === ')' || c === ',' || c === ':') { out.push({ t: c }); i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw invalid('unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
      continue;
    }
    const date = DATE_RE.exec(src.slice(i));
    if (date && date[0].length > 4) {
      const ms = Date.parse(date[0]);
      if (Number.isNaN(ms)) throw invalid(`bad date ${date[0]}`);
      out.push({ t: 'date', v: ms });
      i += date[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { out.push({ t: 'num', v: Number(num[0]) }); i += num[0].length; continue; }
    const word = /^[A-Za-z_@$][\w./@$-]*/.exec(src.slice(i));
    if (word) { out.push({ t: 'word', v: word[0] }); i += word[0].length; continue; }
    throw invalid(`unexpected character '${c}' at position ${i}`);
  }
  return out;
}

const CMP_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCS = new Set(['contains', 'startswith', 'endswith']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.or();
    if (this.pos < this.tokens.length) throw invalid('unexpected trailing input');
    return node;
  }

  private peek(): Token | undefined { return this.tokens[this.pos]; }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v.toLowerCase() === w;
  }
  private expect(t: '(' | ')' | ',' | ':'): void {
    if (this.peek()?.t !== t) throw invalid(`expected '${t}'`);
    this.pos++;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.isWord('or')) { this.pos++; left = { kind: 'or', left, right: this.and() }; }
    return left;
  }
  private and(): FilterNode {
    let left = this.unary();
    while (this.isWord('and')) { this.pos++; left = { kind: 'and', left, right: this.unary() }; }
    return left;
  }
  private unary(): FilterNode {
    if (this.isWord('not')) { this.pos++; return { kind: 'not', operand: this.unary() }; }
    return this.primary();
  }
  private primary(): FilterNode {
    const t = this.peek();
    if (t?.t === '(') {
      this.pos++;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t?.t === 'word' && FUNCS.has(t.v.toLowerCase()) && this.tokens[this.pos + 1]?.t === '(') {
      this.pos += 2;
      const target = this.operand();
      this.expect(',');
      const arg = this.operand();
      this.expect(')');
      return { kind: 'fn', name: t.v.toLowerCase() as 'contains', target, arg };
    }
    if (t?.t === 'word' && /\/any$/i.test(t.v) && this.tokens[this.pos + 1]?.t === '(') {
      this.pos += 2;
      const variable = this.peek();
      if (variable?.t !== 'word') throw invalid('expected a lambda variable');
      this.pos++;
      this.expect(':');
      const body = this.or();
      this.expect(')');
      return { kind: 'any', path: t.v.split('/').slice(0, -1), variable: variable.v, body };
    }
    const left = this.operand();
    const op = this.peek();
    if (op?.t === 'word' && CMP_OPS.has(op.v.toLowerCase())) {
      this.pos++;
      return { kind: 'cmp', op: op.v.toLowerCase() as CmpOp, left, right: this.operand() };
    }
    // A bare boolean property (`$filter=isRead`) is a valid OData predicate.
    return { kind: 'bool', operand: left };
  }
  private operand(): Operand {
    const t = this.peek();
    if (!t) throw invalid('unexpected end of expression');
    this.pos++;
    switch (t.t) {
      case 'str': return { kind: 'lit', value: t.v };
      case 'num': case 'date': return { kind: 'lit', value: t.v };
      case 'word': {
        const w = t.v.toLowerCase();
        if (w === 'true' || w === 'false') return { kind: 'lit', value: w === 'true' };
        if (w === 'null') return { kind: 'lit', value: null };
        return { kind: 'path', path: t.v.split('/') };
      }
      default: throw invalid(`unexpected '${t.t}'`);
    }
  }
}

/** Parse `$filter`; throws a 400 GraphError naming what is wrong. */
export function parseFilter(src: string): FilterNode {
  if (src.trim() === '') throw invalid('empty expression');
  return new Parser(tokenize(src)).parse();
}

/** Top-level property paths in order of first appearance (for the InefficientFilter rule). */
export function filterProperties(node: FilterNode): string[] {
  const out: string[] = [];
  const add = (o: Operand): void => {
    if (o.kind === 'path') {
      const p = o.path.join('/');
      if (!out.includes(p)) out.push(p);
    }
  };
  const walk = (n: FilterNode): void => {
    switch (n.kind) {
      case 'and': case 'or': walk(n.left); walk(n.right); break;
      case 'not': walk(n.operand); break;
      case 'cmp': add(n.left); add(n.right); break;
      case 'fn': add(n.target); add(n.arg); break;
      case 'bool': add(n.operand); break;
      case 'any': { const p = n.path.join('/'); if (!out.includes(p)) out.push(p); break; }
    }
  };
  walk(node);
  return out;
}

/** Check every path's first segment against the entity's properties (Graph's 400 otherwise). */
export function checkFilterProperties(node: FilterNode, known: ReadonlySet<string>, typeName: string): void {
  const check = (o: Operand, vars: string[]): void => {
    if (o.kind !== 'path') return;
    const head = o.path[0]!;
    if (vars.includes(head)) return;
    if (!known.has(head)) throw badRequest(`Could not find a property named '${head}' on type '${typeName}'.`, 'RequestBroker--ParseUri');
  };
  const walk = (n: FilterNode, vars: string[]): void => {
    switch (n.kind) {
      case 'and': case 'or': walk(n.left, vars); walk(n.right, vars); break;
      case 'not': walk(n.operand, vars); break;
      case 'cmp': check(n.left, vars); check(n.right, vars); break;
      case 'fn': check(n.target, vars); check(n.arg, vars); break;
      case 'bool': check(n.operand, vars); break;
      case 'any': check({ kind: 'path', path: n.path }, vars); walk(n.body, [...vars, n.variable]); break;
    }
  };
  walk(node, []);
}

type Scope = Record<string, unknown>;

function resolve(o: Operand, view: unknown, scope: Scope): unknown {
  if (o.kind === 'lit') return o.value;
  const [head, ...rest] = o.path;
  let cur: unknown = head !== undefined && head in scope ? scope[head] : (view as Record<string, unknown>)?.[head ?? ''];
  for (const seg of rest) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  return cur;
}

/** Normalise both sides: a date literal or ISO string against a number compares as ms; strings case-insensitively. */
function comparable(a: unknown, b: unknown): [unknown, unknown] {
  if (typeof a === 'number' && typeof b === 'string') return [a, Date.parse(b)];
  if (typeof a === 'string' && typeof b === 'number') return [Date.parse(a), b];
  if (typeof a === 'string' && typeof b === 'string') return [a.toLowerCase(), b.toLowerCase()];
  return [a ?? null, b ?? null];
}

function compare(op: CmpOp, l: unknown, r: unknown): boolean {
  const [a, b] = comparable(l, r);
  switch (op) {
    case 'eq': return a === b;
    case 'ne': return a !== b;
    default: {
      if (a === null || b === null) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === 'gt' ? x > y : op === 'ge' ? x >= y : op === 'lt' ? x < y : x <= y;
    }
  }
}

/** Does `view` satisfy the filter? */
export function evaluateFilter(node: FilterNode, view: unknown, scope: Scope = {}): boolean {
  switch (node.kind) {
    case 'and': return evaluateFilter(node.left, view, scope) && evaluateFilter(node.right, view, scope);
    case 'or': return evaluateFilter(node.left, view, scope) || evaluateFilter(node.right, view, scope);
    case 'not': return !evaluateFilter(node.operand, view, scope);
    case 'bool': return resolve(node.operand, view, scope) === true;
    case 'cmp': return compare(node.op, resolve(node.left, view, scope), resolve(node.right, view, scope));
    case 'fn': {
      const target = resolve(node.target, view, scope);
      const arg = resolve(node.arg, view, scope);
      if (typeof target !== 'string' || typeof arg !== 'string') return false;
      const t = target.toLowerCase();
      const a = arg.toLowerCase();
      return node.name === 'contains' ? t.includes(a) : node.name === 'startswith' ? t.startsWith(a) : t.endsWith(a);
    }
    case 'any': {
      const items = resolve({ kind: 'path', path: node.path }, view, scope);
      if (!Array.isArray(items)) return false;
      return items.some((item) => evaluateFilter(node.body, view, { ...scope, [node.variable]: item }));
    }
  }
}
