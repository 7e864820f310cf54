/**
 * Fault suite, malformed server responses: a bounded, seeded fuzz of the parsers we wrote.
 * - POP3 (src/protocols/pop3/wire.ts): 2,000 mutations of valid replies through LineReader
 *   and the reply parsers, where only WireViolation/WireClosed/WireTimeout may come out; then
 *   200 mutated sessions through the real client (connectPop3 … RETR … QUIT) against a
 *   loopback server playing a transcript, where only a typed MailbridgeError may come out.
 * - EWS (src/protocols/ews/soap.ts and the response readers): 2,000 mutations of valid SOAP
 *   responses through parseEnvelope and the readers, which must never throw at all.
 * Deterministic: a fixed seed; a failure prints the seed and case to replay.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { resourceSchema, type Resource } from '../../src/config/resource.js';
import { MailbridgeError } from '../../src/errors.js';
import { responseCode, responseMessages } from '../../src/protocols/ews/client.js';
import { readFolders } from '../../src/protocols/ews/find-folder.js';
import { readAttachmentList } from '../../src/protocols/ews/get-attachment.js';
import { readItems, readRecipients, readSingle } from '../../src/protocols/ews/items.js';
import { child, childEntries, parseEnvelope, path } from '../../src/protocols/ews/soap.js';
import { connectPop3 } from '../../src/protocols/pop3/client.js';
import {
  LineReader, parseCapaLine, parseListLine, parseStat, parseStatusLine, parseUidlLine, readTextLines, WireClosed, WireTimeout, WireViolation,
} from '../../src/protocols/pop3/wire.js';
import { Secret } from '../../src/secret.js';

const SEED = 0x5eed_f022;

/** mulberry32: a tiny seeded PRNG, so every run fuzzes the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = ['\r', '\n', '\r\n', '.', '..', '\r\n.\r\n', ' ', '+OK', '-ERR', '0', '9'.repeat(30), '-1', '\u0000', '\u00ff', '<', '>', '&', '"', '/', ']]>', '<!--', '&#x0;', '&lt;', 'é', '😀'];

/** One seeded mutation of `input`: flip, delete, insert, duplicate or truncate. */
function mutate(input: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(input);
  const n = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (b.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0: if (b.length) b[Math.min(at, b.length - 1)] = Math.floor(rnd() * 256); break;
      case 1: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rnd() * 16)))]); break;
      case 2: b = Buffer.concat([b.subarray(0, at), Buffer.from(INTERESTING[Math.floor(rnd() * INTERESTING.length)]!), b.subarray(at)]); break;
      case 3: { const len = Math.floor(rnd() * 40); b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); break; }
      case 4: b = b.subarray(0, at); break;
      default: { const from = Math.floor(rnd() * b.length); b = Buffer.concat([b.subarray(0, at), Buffer.from(b.subarray(from, from + 8)), b.subarray(at)]); }
    }
  }
  return b;
}

// --- POP3 ---

const MESSAGE = 'From: a@example.test\r\nSubject: hi\r\n\r\n..dot-stuffed line\r\nbody\r\n';
const POP3_REPLIES: Record<string, string> = {
  greeting: '+OK POP3 ready <1896.697170952@dbc.mailcom.test>\r\n',
  CAPA: '+OK Capability list follows\r\nUSER\r\nUIDL\r\nTOP\r\nSASL XOAUTH2 PLAIN\r\nRESP-CODES\r\n.\r\n',
  USER: '+OK\r\n',
  PASS: '+OK Logged in.\r\n',
  STAT: '+OK 2 320\r\n',
  LIST: '+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n',
  UIDL: '+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n',
  RETR: `+OK 120 octets\r\n${MESSAGE}.\r\n`,
  QUIT: '+OK Logging out.\r\n',
};

/** Reads one reply of each kind from bytes the way the client does; returns what it parsed. */
async function parsePop3Reply(kind: string, bytes: Buffer): Promise<void> {
  const socket = new PassThrough();
  const reader = new LineReader(socket, { timeoutMs: 50 });
  socket.end(bytes);
  const status = parseStatusLine(await reader.readStatusLine());
  if (status.kind !== 'ok') return;
  switch (kind) {
    case 'STAT': parseStat(status.text); break;
    case 'LIST': for (const l of await readTextLines(reader)) parseListLine(l); break;
    case 'UIDL': for (const l of await readTextLines(reader)) parseUidlLine(l); break;
    case 'CAPA': for (const l of await readTextLines(reader)) parseCapaLine(l); break;
    case 'RETR': { const parts: Buffer[] = []; for await (const l of reader.readMultiline()) parts.push(l); break; }
    default: break;
  }
}

test('POP3 wire: 2,000 mutated replies give a parse or a WireViolation/WireClosed/WireTimeout, nothing else', { timeout: 60_000 }, async () => {
  const rnd = prng(SEED);
  const kinds = Object.keys(POP3_REPLIES);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const kind = kinds[i % kinds.length]!;
    const bytes = mutate(Buffer.from(POP3_REPLIES[kind]!), rnd);
    try {
      await parsePop3Reply(kind, bytes);
      outcomes.set('parsed', (outcomes.get('parsed') ?? 0) + 1);
    } catch (e) {
      const typed = e instanceof WireViolation || e instanceof WireClosed || e instanceof WireTimeout;
      assert.ok(typed, `case ${i} (${kind}, seed ${SEED}): ${JSON.stringify(bytes.toString('latin1'))} threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
      outcomes.set(e.constructor.name, (outcomes.get(e.constructor.name) ?? 0) + 1);
    }
  }
  console.log(`# pop3 wire fuzz outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  assert.ok((outcomes.get('WireViolation') ?? 0) > 0 && (outcomes.get('parsed') ?? 0) > 0, 'the fuzz reached both outcomes');
});

test('POP3 wire: numbers out of range (message 0, beyond a safe integer) are a WireViolation, not a ZodError', () => {
  const huge = '9'.repeat(30);
  for (const f of [() => parseStat(`${huge} 1`), () => parseStat(`1 ${huge}`), () => parseListLine('0 5'), () => parseListLine(`1 ${huge}`), () => parseUidlLine(`${huge} abc`), () => parseUidlLine('0 abc')]) {
    assert.throws(f, (e: unknown) => e instanceof WireViolation && /out of range/.test(e.message));
  }
});

describe_pop3_sessions();

function describe_pop3_sessions(): void {
  let server: Server;
  let port = 0;
  /** Which reply of the next session to mutate, and the mutated bytes. */
  let plan: { kind: string; bytes: Buffer } | undefined;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      const reply = (kind: string) => s.write(plan?.kind === kind ? plan.bytes : Buffer.from(POP3_REPLIES[kind]!));
      reply('greeting');
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        for (let nl = buf.indexOf('\r\n'); nl >= 0; nl = buf.indexOf('\r\n')) {
          const verb = buf.slice(0, nl).split(' ')[0]!.toUpperCase();
          buf = buf.slice(nl + 2);
          if (POP3_REPLIES[verb]) reply(verb);
          else s.write('-ERR unknown command\r\n');
          if (verb === 'QUIT') s.end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });

  test('POP3 client: 200 sessions with one mutated reply each end in a result or a typed MailbridgeError, never a hang', { timeout: 90_000 }, async () => {
    const resource: Resource = resourceSchema.parse({
      name: 'fuzz', kind: 'pop3', server: { host: '127.0.0.1', port, secure: 'none' }, user: 'u@example.test',
      authType: 'basic', tls: { allowPlaintextLoopback: true },
    });
    const rnd = prng(SEED + 1);
    const kinds = Object.keys(POP3_REPLIES);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const kind = kinds[i % kinds.length]!;
      plan = { kind, bytes: mutate(Buffer.from(POP3_REPLIES[kind]!), rnd) };
      try {
        const session = await connectPop3({ resource, password: new Secret('pw'), timeoutMs: 100 });
        try {
          await session.stat();
          await session.list();
          await session.uidl();
          await session.retrieve(1);
        } finally {
          await session.quit().catch((e: unknown) => { throw e; });
        }
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      } catch (e) {
        assert.ok(e instanceof MailbridgeError, `session ${i} (${kind} mutated to ${JSON.stringify(plan.bytes.toString('latin1'))}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        assert.ok(e.hint.length > 0);
        outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
      }
    }
    console.log(`# pop3 session fuzz outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });
}

// --- EWS ---

const SOAP = (body: string) => `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="1" MinorBuildNumber="0" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header>
<s:Body xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">${body}</s:Body></s:Envelope>`;

const EWS_SAMPLES = [
  SOAP(`<m:FindItemResponse><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>
<m:RootFolder IndexedPagingOffset="2" TotalItemsInView="5" IncludesLastItemInRange="false"><t:Items>
<t:Message><t:ItemId Id="AAMkAGI=" ChangeKey="CQAAAB"/><t:Subject>Hello &amp; welcome</t:Subject><t:From><t:Mailbox><t:Name>Eve</t:Name><t:EmailAddress>eve@example.test</t:EmailAddress></t:Mailbox></t:From>
<t:ToRecipients><t:Mailbox><t:EmailAddress>a@example.test</t:EmailAddress></t:Mailbox><t:Mailbox><t:Name>B</t:Name></t:Mailbox></t:ToRecipients><t:HasAttachments>true</t:HasAttachments></t:Message>
<t:CalendarItem><t:ItemId Id="AAMkAGJ=" ChangeKey="DwAAAB"/><t:Subject>見積書</t:Subject></t:CalendarItem></t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse>`),
  SOAP(`<m:GetItemResponse><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>
<t:Message><t:ItemId Id="AAMkAGI=" ChangeKey="CQAAAB"/><t:MimeContent CharacterSet="UTF-8">RnJvbTogYUBleGFtcGxlLnRlc3QNCg0KaGk=</t:MimeContent>
<t:Attachments><t:FileAttachment><t:AttachmentId Id="AAMkAtt1="/><t:Name>r.csv</t:Name><t:ContentType>text/csv</t:ContentType><t:Size>12</t:Size><t:IsInline>false</t:IsInline></t:FileAttachment>
<t:ItemAttachment><t:AttachmentId Id="AAMkAtt2="/><t:Name>fwd</t:Name></t:ItemAttachment><t:ReferenceAttachment><t:AttachmentId Id="x"/></t:ReferenceAttachment></t:Attachments></t:Message>
</m:Items></m:GetItemResponseMessage><m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse>`),
  SOAP(`<m:FindFolderResponse><m:ResponseMessages><m:FindFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder TotalItemsInView="2" IncludesLastItemInRange="true"><t:Folders>
<t:Folder><t:FolderId Id="AQMkF1=" ChangeKey="AQAAAA"/><t:ParentFolderId Id="AQMkRoot="/><t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>Inbox</t:DisplayName><t:TotalCount>12</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount><t:UnreadCount>3</t:UnreadCount></t:Folder>
<t:CalendarFolder><t:FolderId Id="AQMkF2="/><t:DisplayName>Calendar</t:DisplayName></t:CalendarFolder></t:Folders></m:RootFolder></m:FindFolderResponseMessage></m:ResponseMessages></m:FindFolderResponse>`),
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>
<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>
<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message><t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">2000</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>`,
];

/** Everything the client reads out of a response, run over whatever the parser made of it. */
function readEverything(xml: string): number {
  const env = parseEnvelope(xml);
  if (!env) return 0;
  let seen = 0;
  for (const [, resp] of childEntries(env.body)) {
    for (const m of responseMessages(resp)) {
      responseCode(m);
      const root = child(m, 'RootFolder');
      for (const item of [...readItems(child(root, 'Items')), ...readItems(child(m, 'Items'))]) {
        readSingle(item.node, 'From');
        readRecipients(item.node, 'ToRecipients');
        readAttachmentList(child(item.node, 'Attachments'));
        seen++;
      }
      seen += readFolders(child(root, 'Folders')).length;
    }
    path(resp, 'detail', 'MessageXml');
  }
  return seen;
}

test('EWS SOAP: 2,000 mutated responses are parsed or refused (undefined), never thrown', { timeout: 60_000 }, () => {
  const rnd = prng(SEED + 2);
  for (const s of EWS_SAMPLES) assert.ok(parseEnvelope(s), 'the samples themselves are valid');
  assert.ok(readEverything(EWS_SAMPLES[0]!) === 2 && readEverything(EWS_SAMPLES[2]!) === 2, 'the readers find the items and folders');
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    const sample = EWS_SAMPLES[i % EWS_SAMPLES.length]!;
    const xml = mutate(Buffer.from(sample), rnd).toString('utf8');
    try {
      if (parseEnvelope(xml) === undefined) refused++;
      readEverything(xml);
    } catch (e) {
      assert.fail(`case ${i} (seed ${SEED + 2}) threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)} for ${JSON.stringify(xml)}`);
    }
  }
  console.log(`# ews fuzz: ${refused} of 2000 mutated responses refused as not SOAP, the rest read without a throw`);
});

test('EWS SOAP: hostile XML (entity expansion, deep nesting, huge attribute) is refused or read, without a throw', () => {
  const billion = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>${SOAP('<m:X>&lol4;&lol4;&lol4;&lol4;</m:X>').replace(/^<\?xml[^>]*\?>/, '')}`;
  const deep = SOAP(`${'<t:A>'.repeat(5000)}x${'</t:A>'.repeat(5000)}`);
  const wide = SOAP(`<t:Message><t:ItemId Id="${'A'.repeat(2_000_000)}"/></t:Message>`);
  for (const xml of [billion, deep, wide]) {
    const env = parseEnvelope(xml);
    if (env) readEverything(xml);
  }
  // Expanded entities must not balloon: whatever came out is bounded.
  const env = parseEnvelope(billion);
  assert.ok(!env || JSON.stringify(env.body).length < 1_000_000, 'entity expansion is bounded');
});
