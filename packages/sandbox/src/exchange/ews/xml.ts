import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The XML layer of the EWS endpoint: a namespace-aware reading of requests (prefixes are the
 * client's choice, so elements are matched by namespace URI and local name) and the builder
 * for responses. fast-xml-parser does the tokenising; the namespace resolution is ours because
 * the library only strips prefixes.
 */

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  m: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  t: 'http://schemas.microsoft.com/exchange/services/2006/types',
  e: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

/** One element of a request, with its namespace resolved. */
export interface XNode {
  ns: string;
  name: string;
  /** Unprefixed attributes by local name (EWS attributes are never namespaced, except xsi:type). */
  attrs: Record<string, string>;
  children: XNode[];
  /** Concatenated character data directly inside the element. */
  text: string;
}

export class XmlSyntaxError extends Error {}

type Ordered = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // The library decodes character references (&#65; &#x41;) only with its HTML entity table on;
  // clients escape control and non-ASCII characters that way. DTDs are refused in parseXml.
  htmlEntities: true,
});

/** Parse a request document; malformed XML or a DTD is an XmlSyntaxError (EWS: ErrorSchemaValidation). */
export function parseXml(xml: string): XNode {
  const check = XMLValidator.validate(xml);
  if (check !== true) throw new XmlSyntaxError(`${check.err.msg} (line ${check.err.line}, column ${check.err.col})`);
  if (/<!DOCTYPE/i.test(xml)) throw new XmlSyntaxError('DTDs are not allowed in EWS requests');
  const top = parser.parse(xml) as Ordered[];
  const roots = top.map((n) => convert(n, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]))).filter((n): n is XNode => n !== undefined);
  const root = roots[0];
  if (!root || roots.length > 1) throw new XmlSyntaxError('the request must have exactly one root element');
  return root;
}

function convert(raw: Ordered, scope: Map<string, string>): XNode | undefined {
  const tag = Object.keys(raw).find((k) => k !== ':@');
  if (!tag || tag === '#text' || tag.startsWith('?') || tag === '#comment') return undefined;
  const rawAttrs = (raw[':@'] ?? {}) as Record<string, string>;
  const local = new Map(scope);
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') local.set('', v);
    else if (k.startsWith('xmlns:')) local.set(k.slice(6), v);
  }
  const [prefix, name] = tag.includes(':') ? [tag.slice(0, tag.indexOf(':')), tag.slice(tag.indexOf(':') + 1)] : ['', tag];
  const ns = local.get(prefix);
  if (ns === undefined && prefix !== '') throw new XmlSyntaxError(`namespace prefix "${prefix}" of <${tag}> is not declared`);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    attrs[k.includes(':') ? k.slice(k.indexOf(':') + 1) : k] = v;
  }
  const children: XNode[] = [];
  let text = '';
  for (const c of (raw[tag] ?? []) as Ordered[]) {
    if ('#text' in c) text += String(c['#text']);
    else {
      const child = convert(c, local);
      if (child) children.push(child);
    }
  }
  return { ns: ns ?? '', name, attrs, children, text };
}

/** The first child element with this local name in namespace `ns`. */
export function child(node: XNode | undefined, ns: string, name: string): XNode | undefined {
  return node?.children.find((c) => c.ns === ns && c.name === name);
}

export function children(node: XNode | undefined, ns: string, name: string): XNode[] {
  return node ? node.children.filter((c) => c.ns === ns && c.name === name) : [];
}

/** Shorthands for the two EWS namespaces. */
export const m = (node: XNode | undefined, name: string) => child(node, NS.m, name);
export const t = (node: XNode | undefined, name: string) => child(node, NS.t, name);
export const ts = (node: XNode | undefined, name: string) => children(node, NS.t, name);
export const tText = (node: XNode | undefined, name: string): string | undefined => t(node, name)?.text.trim();

/**
 * A response element as fast-xml-parser's builder takes it: keys in schema order (insertion
 * order is kept), attributes as `@_name`, text as `#text`, repeated elements as arrays.
 */
export type XmlValue = string | number | boolean | XmlObject | XmlObject[] | string[];
export interface XmlObject {
  [key: string]: XmlValue | undefined;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
});

/** Characters XML 1.0 cannot carry at all: dropped from text taken out of messages. */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
export const xmlSafe = (s: string) => s.replace(INVALID_XML_CHARS, '');

/** Long base64 texts (MimeContent, attachment Content) need no escaping: spliced in after the build. */
const LONG = 64 * 1024;
/** Nothing the builder would escape, checked with indexOf (a regular expression over megabytes is slow). */
const base64Like = (s: string) => !['&', '<', '>', '"', "'", '\u0001'].some((c) => s.includes(c));

/**
 * The builder handles every text node of the tree (entity escaping, string concatenation per
 * element): for a GetItem of a few megabytes of MimeContent that was most of the sandbox's CPU.
 * Long base64 texts stand in as U+0001 n (which no XML text can contain) and go in after.
 */
function liftBase64(node: XmlValue | undefined, lifted: string[]): XmlValue | undefined {
  if (typeof node === 'string') {
    if (node.length < LONG || !base64Like(node)) return node;
    lifted.push(node);
    return `\u0001${lifted.length - 1}\u0001`;
  }
  if (Array.isArray(node)) return (node as XmlValue[]).map((x) => liftBase64(x, lifted)) as XmlValue;
  if (typeof node === 'object') {
    const out: XmlObject = {};
    for (const [k, v] of Object.entries(node)) out[k] = liftBase64(v, lifted);
    return out;
  }
  return node;
}

export function buildXml(obj: XmlObject): string {
  const lifted: string[] = [];
  const light = liftBase64(obj, lifted) as XmlObject;
  const xml = builder.build(light) as string;
  if (lifted.length === 0) return xml;
  const parts: string[] = [];
  let at = 0;
  for (let open = xml.indexOf('\u0001'); open >= 0; open = xml.indexOf('\u0001', at)) {
    const close = xml.indexOf('\u0001', open + 1);
    if (close < 0) break; // only ours come in pairs
    parts.push(xml.slice(at, open), lifted[Number(xml.slice(open + 1, close))] ?? '');
    at = close + 1;
  }
  parts.push(xml.slice(at));
  return parts.join('');
}
