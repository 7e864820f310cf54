import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import type { FolderInfo, Mailbox } from '../../mail/mailbox.js';
import type { MailAddress } from '../../message/message.js';
import { openMailbox } from '../../mail/open.js';
import { streamAttachment } from '../attachment-stream.js';
import { streamFromMailbox } from '../mail-stream.js';
import { MESSAGE_HTML_CSP } from '../security-headers.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { errorBox } from './resources-page.js';

type MessageRoute = { Params: { name: string; id: string }; Querystring: { folder?: string } };

/**
 * The mailbox browser: a folder picker (with message and unread counts), the newest messages
 * of a folder, and one message: its text, its HTML in a sandboxed frame that loads nothing
 * remote, its attachments and its source as downloads.
 */
export function mailPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const withMailbox = async <T>(name: string, work: (m: Mailbox) => Promise<T>): Promise<T> => {
    const m = await openMailbox({ resource: name, store: ctx.store, tokens: ctx.tokens, ...(ctx.logger ? { logger: ctx.logger } : {}) });
    try {
      return await work(m);
    } finally {
      await m.close().catch(() => undefined);
    }
  };
  const q = (folder: string): string => `folder=${encodeURIComponent(folder)}`;
  const base = (name: string, id: string): string => `/console/mail/${encodeURIComponent(name)}/${encodeURIComponent(id)}`;

  app.get<{ Params: { name: string }; Querystring: { folder?: string } }>('/mail/:name', kit.get, async (req, reply) => {
    const { name } = req.params;
    const folder = req.query.folder || 'INBOX';
    try {
      const { list, folders } = await withMailbox(name, async (m) => ({
        // the picker is a convenience: a backend that cannot list folders still shows the messages
        folders: await m.folders().catch((e: unknown) => {
          if (isMailbridgeError(e)) return [] as FolderInfo[];
          throw e;
        }),
        list: await m.list({ folder, limit: 50 }),
      }));
      return kit.page(reply, `Mailbox ${name} / ${folder}`, () => html`<p><a href="/console/resources/${name}">← Resource ${name}</a></p>
${folderPicker(name, folder, folders)}
${list.length === 0 ? html`<p id="no-messages">No messages in ${folder}.</p>` : html`<table id="messages"><caption class="note">The newest ${list.length} message(s) of ${folder}</caption>
<tr><th>Date</th><th>From</th><th>Subject</th><th>Size</th></tr>
${[...list].reverse().map((s) => html`<tr><td>${s.date ? new Date(s.date).toISOString() : ''}</td><td>${addresses(s.from)}</td>
<td><a href="${base(name, s.id)}?${q(folder)}">${s.subject || '(no subject)'}</a>${s.seen === false ? html` <span class="badge">unread</span>` : ''}</td><td>${s.size}</td></tr>`)}</table>`}`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return kit.page(reply, `Mailbox ${name}`, () => html`<p><a href="/console/resources/${name}">← Resource ${name}</a></p>${errorBox(e)}`, 502);
    }
  });

  app.get<MessageRoute>('/mail/:name/:id', kit.get, async (req, reply) => {
    const { name, id } = req.params;
    const folder = req.query.folder || 'INBOX';
    const here = base(name, id);
    try {
      const msg = await withMailbox(name, (m) => m.get(id, { folder }));
      const frame = html`<iframe class="message-html" id="message-html" title="The message's HTML (remote content blocked)" sandbox
src="${here}/html?${q(folder)}" referrerpolicy="no-referrer"></iframe>`;
      return kit.page(reply, msg.subject || '(no subject)', () => html`<p><a href="/console/mail/${name}?${q(folder)}">← ${folder}</a></p>
<table id="message-headers"><tr><th scope="row">From</th><td>${msg.from ? addresses([msg.from]) : ''}</td></tr><tr><th scope="row">To</th><td>${addresses(msg.to)}</td></tr>
${msg.cc.length ? html`<tr><th scope="row">Cc</th><td>${addresses(msg.cc)}</td></tr>` : ''}<tr><th scope="row">Date</th><td>${msg.date ? msg.date.toISOString() : ''}</td></tr>
<tr><th scope="row">Message-ID</th><td>${msg.messageId ?? ''}</td></tr></table>
<p><a id="download-source" href="${here}/source?${q(folder)}" download>Download the source (.eml)</a></p>
${msg.html !== undefined ? html`<p class="note" id="html-note">The message's HTML, with remote images and everything else from the network blocked, and no scripts.</p>${frame}
${msg.text !== undefined ? html`<details id="text-version"><summary>The text version</summary><pre id="message-text">${msg.text}</pre></details>` : ''}`
    : msg.text !== undefined ? html`<pre id="message-text">${msg.text}</pre>` : html`<p class="note" id="no-body">This message has no body.</p>`}
${msg.attachments.length ? html`<h2>Attachments</h2><ul id="attachments">${msg.attachments.map((a, i) => html`<li><a href="${here}/attachments/${i}?${q(folder)}" download>${a.filename ?? `attachment-${i + 1}`}</a> · ${a.contentType} · ${a.size} bytes</li>`)}</ul>` : ''}`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return kit.page(reply, `Message ${id}`, () => html`<p><a href="/console/mail/${name}?${q(folder)}">← ${folder}</a></p>${errorBox(e)}`, 502);
    }
  });

  // The message's HTML as its own document, for the frame above: MESSAGE_HTML_CSP sandboxes it
  // and blocks every network load (security-headers.ts keeps this policy and allows same-origin framing).
  app.get<MessageRoute>('/mail/:name/:id/html', kit.get, async (req, reply) => {
    const msg = await withMailbox(req.params.name, (m) => m.get(req.params.id, { folder: req.query.folder || 'INBOX' }));
    return reply.header('content-security-policy', MESSAGE_HTML_CSP).header('cache-control', 'no-store')
      .type('text/html; charset=utf-8').send(msg.html ?? '');
  });

  app.get<MessageRoute>('/mail/:name/:id/source', kit.get, async (req, reply) =>
    streamFromMailbox(ctx, reply.header('cache-control', 'no-store'), req.params.name, async (m) => ({
      body: await m.raw(req.params.id, { folder: req.query.folder || 'INBOX' }),
      type: 'message/rfc822',
      filename: `${req.params.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}.eml`,
    })));

  app.get<MessageRoute & { Params: { index: string } }>('/mail/:name/:id/attachments/:index', kit.get, async (req, reply) => {
    const index = Number(req.params.index);
    return streamFromMailbox(ctx, reply.header('cache-control', 'no-store'), req.params.name, async (m) => {
      const a = await streamAttachment(await m.raw(req.params.id, { folder: req.query.folder || 'INBOX' }), Number.isSafeInteger(index) && index >= 0 ? index : -1);
      // Always a download, never rendered here: an attachment's HTML or SVG must not run in the console's origin.
      return { body: a.stream, type: 'application/octet-stream', filename: a.filename ?? `attachment-${index + 1}` };
    });
  });
}

/** A folder picker: a plain GET form (works without script), each folder with its counts. */
function folderPicker(name: string, current: string, folders: FolderInfo[]): Html {
  if (folders.length === 0) return html``;
  const withCurrent = folders.some((f) => f.path === current) ? folders : [{ path: current, name: current }, ...folders];
  return html`<form method="get" action="/console/mail/${name}" id="folder-picker" class="key-box"><label for="folder">Folder</label>
<select name="folder" id="folder">${withCurrent.map((f) => html`<option value="${f.path}" ${f.path === current ? html`selected` : ''}>${f.path}${counts(f)}</option>`)}</select>
<button id="open-folder">Open</button></form>`;
}

function counts(f: FolderInfo): string {
  if (f.messages === undefined) return '';
  return ` (${f.messages} message${f.messages === 1 ? '' : 's'}${f.unseen ? `, ${f.unseen} unread` : ''})`;
}

function addresses(list: readonly { name?: string | undefined; address?: string | undefined }[] | MailAddress[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? ''))).join(', ');
}
