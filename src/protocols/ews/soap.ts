/**
 * The EWS wire: SOAP 1.1 envelopes out, parsed envelopes in. Operations build their
 * `m:` request element with `el()` and read responses through the accessors below; nothing
 * else in the client touches XML text.
 *
 * Requests use the prefixes Microsoft's own samples use (soap/m/t); responses are parsed
 * with prefixes stripped, because servers pick their own (Exchange Online declares `m:` and
 * `t:` but also a default namespace on the response element).
 */
import { XMLParser } from 'fast-xml-parser';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  m: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  t: 'http://schemas.microsoft.com/exchange/services/2006/types',
} as const;

/**
 * The highest RequestServerVersion the project's copy of Microsoft's schema (Exchange 2016 /
 * Exchange Online) declares; Exchange Online and Exchange Server 2016/2019 accept it.
 */
export const REQUEST_SERVER_VERSION = 'Exchange2016';

// ----------------------------------------------------------------- building

export type Attr = string | number | boolean | undefined;
export type Child = XmlElement | string | undefined | false;

export interface XmlElement {
  name: string;
  attrs: Record<string, Attr>;
  children: Child[];
}

/** One element; `undefined`/`false` children and attributes are left out (optional parts). */
export function el(name: string, attrs: Record<string, Attr> = {}, ...children: Child[]): XmlElement {
  return { name, attrs, children };
}

/** `<t:Name>text</t:Name>`, or nothing when the value is undefined. */
export function leaf(name: string, value: string | number | boolean | undefined): XmlElement | undefined {
  return value === undefined ? undefined : el(name, {}, String(value));
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** XML 1.0 cannot carry most C0 controls even escaped: they are dropped rather than sent broken. */
export function escapeXml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export function render(node: XmlElement): string {
  const attrs = Object.entries(node.attrs)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  const inner = node.children
    .filter((c): c is XmlElement | string => c !== undefined && c !== false)
    .map((c) => (typeof c === 'string' ? escapeXml(c) : render(c)))
    .join('');
  return inner === '' ? `<${node.name}${attrs}/>` : `<${node.name}${attrs}>${inner}</${node.name}>`;
}

export interface EnvelopeOptions {
  body: XmlElement;
  /** App-only tokens act on this mailbox (ExchangeImpersonation / PrimarySmtpAddress). */
  impersonate?: string;
}

/** The full SOAP request: RequestServerVersion, optional impersonation, and the operation. */
export function envelope(o: EnvelopeOptions): string {
  const header = el('soap:Header', {},
    el('t:RequestServerVersion', { Version: REQUEST_SERVER_VERSION }),
    o.impersonate !== undefined && el('t:ExchangeImpersonation', {},
      el('t:ConnectingSID', {}, el('t:PrimarySmtpAddress', {}, o.impersonate))),
  );
  const env = el('soap:Envelope', { 'xmlns:soap': NS.soap, 'xmlns:m': NS.m, 'xmlns:t': NS.t }, header, el('soap:Body', {}, o.body));
  return `<?xml version="1.0" encoding="utf-8"?>${render(env)}`;
}

// ----------------------------------------------------------------- parsing

/** A parsed element: attributes as `@_Name`, text as `#text`, children by local name. */
export type XmlObject = { readonly [key: string]: unknown };

/** fast-xml-parser's settings for EWS answers (exported so tests can parse the same way without the base64 lift). */
export const XML_PARSER_OPTIONS = {
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  // Everything stays text: ids, subjects and base64 must never be turned into numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  // Attributes only on xmlns declarations would otherwise show as @_xmlns:x; harmless.
  processEntities: true,
  htmlEntities: false,
} as const;

const parser = new XMLParser(XML_PARSER_OPTIONS);

export interface ParsedEnvelope {
  header: XmlObject;
  body: XmlObject;
}

/**
 * The base64 payloads of a response: a message's `<t:MimeContent>` (GetItem) and a file's
 * `<t:Content>` (GetAttachment). fast-xml-parser builds element text one character at a time
 * (`text += xml[i]`), which for a 1 MB message is a million string concatenations: seconds of
 * CPU, most of it garbage collection. Such a text (long, without `&` or `<`, so nothing in it
 * needs decoding) is taken out before the parse and put back after it.
 */
/** The opening tag of such an element; its text is then found with indexOf (a regular expression over megabytes of text costs ~20 ms per MB). */
const BASE64_OPEN = /<((?:[A-Za-z_][\w.-]*:)?(?:MimeContent|Content))(\s[^>]*)?>/g;
/** Stands for the n-th lifted text: U+0001 cannot occur in XML 1.0, so no server text looks like it. */
const LIFTED = /^\u0001(\d+)$/;
const LIFT_FROM = 4096;

function liftBase64(xml: string): { xml: string; lifted: string[] } {
  const lifted: string[] = [];
  if (xml.length < LIFT_FROM) return { xml, lifted };
  const parts: string[] = [];
  let copied = 0;
  const open = new RegExp(BASE64_OPEN);
  for (let m = open.exec(xml); m; m = open.exec(xml)) {
    const name = m[1] as string;
    const from = open.lastIndex;
    const to = xml.indexOf('<', from);
    if (to < 0) break;
    open.lastIndex = to;
    if (to - from < LIFT_FROM || !xml.startsWith(`</${name}`, to)) continue;
    const text = xml.slice(from, to);
    if (text.includes('&')) continue; // entities to decode: the parser's job
    lifted.push(text);
    parts.push(xml.slice(copied, from), `\u0001${lifted.length - 1}`);
    copied = to;
  }
  if (lifted.length === 0) return { xml, lifted };
  parts.push(xml.slice(copied));
  return { xml: parts.join(''), lifted };
}

/** Puts lifted texts back where their stand-ins are, trimmed as the parser trims text. */
function restoreLifted(node: unknown, lifted: readonly string[]): unknown {
  if (typeof node === 'string') {
    const m = LIFTED.exec(node);
    return m ? (lifted[Number(m[1])] ?? '').trim() : node;
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = restoreLifted(node[i], lifted);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = restoreLifted(o[k], lifted);
  }
  return node;
}

/** Parses a SOAP response; undefined when the text is no SOAP envelope (an HTML error page…). */
export function parseEnvelope(xml: string): ParsedEnvelope | undefined {
  let doc: unknown;
  try {
    const { xml: light, lifted } = liftBase64(xml);
    doc = parser.parse(light);
    if (lifted.length > 0) restoreLifted(doc, lifted);
  } catch {
    return undefined;
  }
  const env = asObject(asObject(doc)?.['Envelope']);
  const body = asObject(env?.['Body']);
  if (!env || !body) return undefined;
  return { header: asObject(env['Header']) ?? {}, body };
}

function asObject(v: unknown): XmlObject | undefined {
  if (typeof v === 'string') return { '#text': v };
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as XmlObject;
  return undefined;
}

/** Every child element of that local name (the parser gives one object or an array). */
export function children(o: XmlObject | undefined, name: string): XmlObject[] {
  const v = o?.[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map(asObject).filter((x): x is XmlObject => x !== undefined);
}

export function child(o: XmlObject | undefined, name: string): XmlObject | undefined {
  return children(o, name)[0];
}

/** A path of single children: `path(resp, 'RootFolder', 'Items')`. */
export function path(o: XmlObject | undefined, ...names: string[]): XmlObject | undefined {
  let cur = o;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** The element's own text. */
export function ownText(o: XmlObject | undefined): string | undefined {
  const v = o?.['#text'];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : o ? '' : undefined;
}

/** Text of a child element, undefined when absent. */
export function text(o: XmlObject | undefined, name: string): string | undefined {
  const c = child(o, name);
  return c === undefined ? undefined : ownText(c);
}

export function attr(o: XmlObject | undefined, name: string): string | undefined {
  const v = o?.[`@_${name}`];
  return typeof v === 'string' ? v : v === undefined ? undefined : String(v);
}

export function bool(o: XmlObject | undefined, name: string): boolean | undefined {
  const t = text(o, name);
  return t === undefined ? undefined : t === 'true';
}

export function int(o: XmlObject | undefined, name: string): number | undefined {
  const t = text(o, name);
  if (t === undefined || t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Every element child with its local name. Grouped by name, not in document order (the parser
 * groups repeated names): callers never depend on order across different element names.
 */
export function childEntries(o: XmlObject | undefined): Array<[string, XmlObject]> {
  if (!o) return [];
  const out: Array<[string, XmlObject]> = [];
  for (const key of Object.keys(o)) {
    if (key.startsWith('@_') || key === '#text') continue;
    for (const c of children(o, key)) out.push([key, c]);
  }
  return out;
}
