import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEwsServer, createExchangeContext, type SandboxExchangeContext, SANDBOX, startIdentityEmulator, type IdentityEmulator, type StreamingControl } from '@mailbridge/sandbox';

/**
 * Test rig for the EWS endpoint: the identity emulator and the Exchange core in-process, the
 * EWS server on loopback HTTPS, requests written by hand as a SOAP client sends them, and every
 * response body checked against Microsoft's schema with xmllint.
 */

const run = promisify(execFile);
export const SCHEMA = join(import.meta.dirname, '../../../fixtures/ews-schema/messages.xsd');
export const OUTLOOK = 'https://outlook.office365.com';
export const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const T = 'http://schemas.microsoft.com/exchange/services/2006/types';

/** A mutable clock: EWS availability depends on the date, so tests fix it (before 2026-10-01 by default). */
export class Clock {
  constructor(public ms = Date.parse('2026-06-15T12:00:00Z')) {}
  now = () => this.ms;
}

export interface EwsRig {
  em: IdentityEmulator;
  ctx: SandboxExchangeContext;
  clock: Clock;
  endpoint: string;
  url: string;
  userToken(user?: string, extra?: { scope?: string; expiresInSeconds?: number; audience?: string }): Promise<string>;
  appToken(roles?: string[]): Promise<string>;
  /** POST to the EWS endpoint, or to `opts.url` (e.g. Autodiscover). */
  post(body: string, opts?: { token?: string; anchor?: string; headers?: Record<string, string>; url?: string }): Promise<EwsResponse>;
  /** The endpoint's streaming notifications (limits, provoked failures). */
  streaming: StreamingControl;
  /** POST and hand back the response unread (GetStreamingEvents streams its body). */
  postStream(body: string, opts: { token: string; signal?: AbortSignal }): Promise<Response>;
  /** A plain GET with the sandbox CA trusted. */
  fetchUrl(url: string): Promise<Response>;
  close(): Promise<void>;
}

export interface EwsResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** fetch with the sandbox CA trusted: Node's fetch takes an undici dispatcher, built from the global one's class. */
async function caDispatcher(ca: string): Promise<object> {
  const key = Symbol.for('undici.globalDispatcher.1');
  // The global dispatcher is created on first use; a refused loopback request is enough.
  await fetch('http://127.0.0.1:9/').catch(() => undefined);
  const global = (globalThis as Record<symbol, unknown>)[key] as { constructor: new (o: object) => object } | undefined;
  if (!global) throw new Error('cannot find undici dispatcher class');
  return new global.constructor({ connect: { ca } });
}

export async function startEwsRig(): Promise<EwsRig> {
  const clock = new Clock();
  const em = await startIdentityEmulator({ now: () => clock.ms });
  const ctx = await createExchangeContext({ identity: em, now: clock.now });
  const server = await startEwsServer(ctx, { host: '127.0.0.1', port: 0 });
  const dispatcher = await caDispatcher(ctx.tls.ca);
  const endpoint = `${server.url}/EWS/Exchange.asmx`;
  return {
    em, ctx, clock, endpoint, url: server.url,
    async userToken(user = SANDBOX.alice, extra = {}) {
      const r = await em.admin.mintAccessToken({ username: user, audience: extra.audience ?? OUTLOOK, scope: extra.scope ?? 'EWS.AccessAsUser.All', ...(extra.expiresInSeconds !== undefined ? { expiresInSeconds: extra.expiresInSeconds } : {}) });
      return r.access_token;
    },
    async appToken(roles = ['full_access_as_app']) {
      const r = await em.admin.mintAccessToken({ clientId: SANDBOX.confidentialClientId, audience: OUTLOOK, roles });
      return r.access_token;
    },
    async post(body, opts = {}) {
      const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.anchor) headers['x-anchormailbox'] = opts.anchor;
      const res = await fetch(opts.url ?? endpoint, { method: 'POST', headers, body, dispatcher, signal: AbortSignal.timeout(20_000) } as RequestInit);
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    streaming: server.streaming,
    postStream(body, opts) {
      return fetch(endpoint, {
        method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Bearer ${opts.token}` }, body, dispatcher,
        ...(opts.signal ? { signal: opts.signal } : {}),
      } as RequestInit);
    },
    async fetchUrl(url: string) {
      return fetch(url, { dispatcher } as RequestInit);
    },
    async close() {
      await server.close();
      await em.close();
    },
  };
}

/** A SOAP 1.1 request as EWS clients write it. */
export function soap(body: string, header = '<t:RequestServerVersion Version="Exchange2016"/>'): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="${M}" xmlns:t="${T}">
  <soap:Header>${header}</soap:Header>
  <soap:Body>${body}</soap:Body>
</soap:Envelope>`;
}

export const impersonate = (address: string) =>
  `<t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${address}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`;

/**
 * The element inside soap:Body, standalone: namespace declarations in scope on the Envelope and
 * Body are copied onto it so it is a document of its own.
 */
export function bodyElement(envelope: string): string {
  const envOpen = /<([A-Za-z_][\w.-]*:)?Envelope\b([^>]*)>/.exec(envelope);
  const bodyOpen = /<([A-Za-z_][\w.-]*:)?Body\b([^>]*)>/.exec(envelope);
  const bodyClose = envelope.lastIndexOf(`</${bodyOpen?.[1] ?? ''}Body>`);
  if (!envOpen || !bodyOpen || bodyClose < 0) throw new Error(`not a SOAP envelope: ${envelope.slice(0, 200)}`);
  const inner = envelope.slice(bodyOpen.index + bodyOpen[0].length, bodyClose).trim();
  const decls = new Map<string, string>();
  for (const attrs of [envOpen[2] ?? '', bodyOpen[2] ?? '']) {
    for (const m of attrs.matchAll(/\s(xmlns(?::[\w.-]+)?)="([^"]*)"/g)) decls.set(m[1]!, m[2]!);
  }
  const rootOpen = /^<([\w.:-]+)([^>]*?)(\/?)>/.exec(inner);
  if (!rootOpen) throw new Error('empty soap:Body');
  const own = new Set([...rootOpen[2]!.matchAll(/\s(xmlns(?::[\w.-]+)?)=/g)].map((m) => m[1]!));
  const extra = [...decls].filter(([k]) => !own.has(k)).map(([k, v]) => ` ${k}="${v}"`).join('');
  return `<${rootOpen[1]}${rootOpen[2]}${extra}${rootOpen[3]}>${inner.slice(rootOpen[0].length)}`;
}

/** Validate the response's body element against messages.xsd (fresh temp file and xmllint run each time). */
export async function assertSchemaValid(envelope: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ews-body-'));
  try {
    const file = join(dir, 'body.xml');
    await writeFile(file, bodyElement(envelope));
    try {
      await run('xmllint', ['--noout', '--nonet', '--schema', SCHEMA, file], { timeout: 30_000 });
    } catch (e) {
      const err = e as { stderr?: string };
      throw new Error(`response body does not validate against messages.xsd:\n${err.stderr ?? String(e)}\n${bodyElement(envelope).slice(0, 3000)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Validate several responses' body elements in one xmllint run (each run costs seconds on a busy machine). */
export async function assertAllSchemaValid(envelopes: readonly string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ews-body-'));
  try {
    const files = await Promise.all(envelopes.map(async (e, i) => {
      const file = join(dir, `body-${i}.xml`);
      await writeFile(file, bodyElement(e));
      return file;
    }));
    try {
      await run('xmllint', ['--noout', '--nonet', '--schema', SCHEMA, ...files], { timeout: 60_000 });
    } catch (e) {
      const err = e as { stderr?: string };
      throw new Error(`a response body does not validate against messages.xsd:\n${err.stderr ?? String(e)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Attribute / element text helpers for reading responses in assertions. */
export const all = (xml: string, re: RegExp) => [...xml.matchAll(new RegExp(re.source, 'g'))].map((m) => m[1]!);
export const first = (xml: string, re: RegExp) => re.exec(xml)?.[1];
export const responseCodes = (xml: string) => all(xml, /<m:ResponseCode>([^<]*)<\/m:ResponseCode>/);
export const itemIds = (xml: string) => all(xml, /<t:ItemId Id="([^"]+)"/);

export const rawMessage = (opts: { from: string; to: string; subject: string; body?: string; date?: string; extraHeaders?: string }) =>
  Buffer.from([
    `From: ${opts.from}`, `To: ${opts.to}`, `Subject: ${opts.subject}`, `Date: ${opts.date ?? 'Mon, 01 Jun 2026 10:00:00 +0000'}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@test>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8',
    ...(opts.extraHeaders ? [opts.extraHeaders] : []), '', opts.body ?? 'hello', '',
  ].join('\r\n'));

/** A 200 answer whose body validates against messages.xsd; its text. */
export async function valid(res: EwsResponse | Promise<EwsResponse>): Promise<string> {
  const r = await res;
  if (r.status !== 200) throw new Error(`expected HTTP 200, got ${r.status}: ${r.text.slice(0, 500)}`);
  await assertSchemaValid(r.text);
  return r.text;
}

export const findInbox = (folder = 'inbox', opts: { shape?: string; view?: string; restriction?: string; sort?: string } = {}) =>
  `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>${opts.shape ?? 'Default'}</t:BaseShape></m:ItemShape>${opts.view ?? '<m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>'}${opts.restriction ? `<m:Restriction>${opts.restriction}</m:Restriction>` : ''}${opts.sort ?? ''}<m:ParentFolderIds><t:DistinguishedFolderId Id="${folder}"/></m:ParentFolderIds></m:FindItem>`;
