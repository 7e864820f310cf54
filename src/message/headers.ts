/**
 * Checks on everything that becomes an outgoing header: no CR/LF (header injection), valid
 * addresses, sane custom header names, and a recipient cap. Each failure is a ConfigError
 * naming the field, raised before anything is sent.
 */
import addressparser from 'nodemailer/lib/addressparser';
import { ConfigError } from '../errors.js';
import type { AddressInput, MailAddress } from './message.js';

/**
 * Exchange Online accepts at most 500 recipients per message by default (an admin can raise the
 * MaxRecipientEnvelopeLimit to 1000); see reference/microsoft.md §3.7, which marks the 500 as
 * remembered rather than verified. We refuse above it instead of letting the server bounce.
 */
export const DEFAULT_MAX_RECIPIENTS = 500;

/**
 * Headers the composer writes itself: a custom header with one of these names would duplicate
 * or override a structural header, which is the same effect as an injection.
 */
const RESERVED_HEADERS = new Set([
  'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'mime-version',
  'content-type', 'content-transfer-encoding', 'content-disposition', 'content-id', 'in-reply-to', 'references',
  'return-path', 'x-priority', 'x-msmail-priority', 'importance',
]);

/** RFC 5322 §2.2 field name: printable US-ASCII except colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
/** Characters that would end a header line or the header block: CR, LF, NUL, and the Unicode line breaks some mailers honour. */
const LINE_BREAK = /[\r\n\0\u0085\u2028\u2029]/;

function injection(field: string): ConfigError {
  return new ConfigError({
    code: 'HEADER_INJECTION',
    message: `${field} contains a line break, which would start a new header (header injection)`,
    hint: `remove CR/LF characters from ${field}`,
    field,
  });
}

/** Throws HEADER_INJECTION when `value` carries a line break. */
export function assertNoLineBreak(field: string, value: string): void {
  if (LINE_BREAK.test(value)) throw injection(field);
}

/** A simple, strict check: something@domain with no spaces or brackets; the server does the rest. */
const ADDR_SPEC = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;

function invalidAddress(field: string, value: string): ConfigError {
  return new ConfigError({
    code: 'ADDRESS_INVALID',
    message: `${field} has an invalid e-mail address: ${JSON.stringify(value)}`,
    hint: 'write addresses as user@example.com or "Name" <user@example.com>',
    field,
  });
}

/** Parses and validates one address field entry list (strings may hold several, comma separated). */
export function parseAddressList(field: string, input: readonly AddressInput[]): MailAddress[] {
  const out: MailAddress[] = [];
  for (const item of input) {
    if (typeof item === 'string') {
      assertNoLineBreak(field, item);
      const parsed = addressparser(item, { flatten: true });
      if (parsed.length === 0) throw invalidAddress(field, item);
      for (const a of parsed) {
        if (!ADDR_SPEC.test(a.address)) throw invalidAddress(field, item);
        out.push(a.name ? { name: a.name, address: a.address } : { address: a.address });
      }
    } else {
      assertNoLineBreak(field, item.address);
      if (item.name !== undefined) assertNoLineBreak(field, item.name);
      if (!ADDR_SPEC.test(item.address)) throw invalidAddress(field, item.address);
      out.push(item.name ? { name: item.name, address: item.address } : { address: item.address });
    }
  }
  return out;
}

/** Validates a single-address field such as From or Sender. */
export function parseSingleAddress(field: string, input: AddressInput): MailAddress {
  const list = parseAddressList(field, [input]);
  const first = list[0];
  if (list.length !== 1 || !first) {
    throw new ConfigError({
      code: 'ADDRESS_INVALID',
      message: `${field} must be exactly one address, got ${list.length}`,
      hint: `give ${field} a single address`,
      field,
    });
  }
  return first;
}

/** Validates custom header names/values: no injection, no reserved names. */
export function validateCustomHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    const field = `headers.${name}`;
    assertNoLineBreak(field, name);
    if (!FIELD_NAME.test(name)) {
      throw new ConfigError({
        code: 'HEADER_NAME_INVALID',
        message: `custom header name ${JSON.stringify(name)} is not a valid field name`,
        hint: 'use printable ASCII without spaces or colons, e.g. X-Campaign',
        field,
      });
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new ConfigError({
        code: 'HEADER_RESERVED',
        message: `custom header ${name} would override a header mailbridge writes itself`,
        hint: `set ${name} through its own draft field (from, to, subject, priority, …), not headers`,
        field,
      });
    }
    assertNoLineBreak(field, value);
  }
  return headers;
}

/** Throws TOO_MANY_RECIPIENTS when to+cc+bcc exceed `max`. */
export function assertRecipientLimit(count: number, max: number = DEFAULT_MAX_RECIPIENTS): void {
  if (count > max) {
    throw new ConfigError({
      code: 'TOO_MANY_RECIPIENTS',
      message: `the message has ${count} recipients; the limit is ${max} per message (Exchange Online's default)`,
      hint: 'split the recipients over several messages, or use a distribution list',
      field: 'to',
      details: { count, max },
    });
  }
  if (count === 0) {
    throw new ConfigError({
      code: 'NO_RECIPIENTS',
      message: 'the message has no recipients',
      hint: 'give at least one address in to, cc or bcc',
      field: 'to',
    });
  }
}
