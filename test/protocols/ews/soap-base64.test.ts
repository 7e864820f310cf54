/**
 * parseEnvelope takes long base64 texts (MimeContent, attachment Content) out before the XML
 * parse and puts them back after it (fast-xml-parser builds text one character at a time). The
 * parsed result must be exactly what the plain parse gives: texts trimmed as the parser trims
 * them, attributes kept, several payloads in one answer each in its place, and texts that need
 * decoding (entities) or are short left to the parser.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { mimeOf } from '../../../src/protocols/ews/get-item.js';
import { readItems } from '../../../src/protocols/ews/items.js';
import { child, children, parseEnvelope, text, XML_PARSER_OPTIONS } from '../../../src/protocols/ews/soap.js';

const env = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${body}</s:Body></s:Envelope>`;

const message = (id: string, b64: string) =>
  `<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">${b64}</t:MimeContent><t:ItemId Id="${id}" ChangeKey="ck"/></t:Message></m:Items></m:GetItemResponseMessage>`;

/** The same parse without the lifting, for comparison. */
const plain = new XMLParser(XML_PARSER_OPTIONS);

test('several MIME sources in one GetItem answer: each decoded in its place, the same tree as a plain parse', () => {
  const sources = [randomBytes(200_000), randomBytes(5_000), randomBytes(100)];
  const xml = env(
    `<m:GetItemResponse><m:ResponseMessages>${sources.map((s, i) => message(`id${i}`, s.toString('base64'))).join('')}</m:ResponseMessages></m:GetItemResponse>`,
  );
  const parsed = parseEnvelope(xml);
  assert.ok(parsed);
  const msgs = children(child(child(parsed.body, 'GetItemResponse'), 'ResponseMessages'), 'GetItemResponseMessage');
  assert.equal(msgs.length, 3);
  msgs.forEach((m, i) => {
    const [item] = readItems(child(m, 'Items'));
    assert.equal(item?.id, `id${i}`);
    assert.ok(mimeOf(item!)?.equals(sources[i]!), `source ${i}`);
    assert.equal(child(child(child(m, 'Items'), 'Message'), 'MimeContent')?.['@_CharacterSet'], 'UTF-8');
  });
  assert.deepEqual(parsed.body, (plain.parse(xml) as { Envelope: { Body: unknown } }).Envelope.Body);
});

test('an attachment Content with line breaks around it is trimmed as the parser trims; entity text is left to the parser', () => {
  const bytes = randomBytes(30_000);
  const b64 = bytes.toString('base64').replace(/.{76}/g, '$&\n');
  const long = `${'a &amp; b '.repeat(1000)}`;
  const xml = env(
    `<m:GetAttachmentResponse><m:ResponseMessages><m:GetAttachmentResponseMessage ResponseClass="Success"><m:Attachments><t:FileAttachment><t:Name>x.bin</t:Name><t:Content>\n  ${b64}\n</t:Content></t:FileAttachment></m:Attachments></m:GetAttachmentResponseMessage></m:ResponseMessages></m:GetAttachmentResponse><t:Body>${long}</t:Body>`,
  );
  const parsed = parseEnvelope(xml);
  assert.ok(parsed);
  const a = child(
    child(
      child(child(child(parsed.body, 'GetAttachmentResponse'), 'ResponseMessages'), 'GetAttachmentResponseMessage'),
      'Attachments',
    ),
    'FileAttachment',
  );
  assert.ok(Buffer.from(text(a, 'Content') ?? '', 'base64').equals(bytes));
  assert.equal(text(parsed.body, 'Body'), long.replace(/&amp;/g, '&').trim());
  assert.deepEqual(parsed.body, (plain.parse(xml) as { Envelope: { Body: unknown } }).Envelope.Body);
});
