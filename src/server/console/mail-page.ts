import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import type { Mailbox } from '../../mail/mailbox.js';
import type { MailAddress } from '../../message/message.js';
import { openMailbox } from '../../mail/open.js';
import { html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { errorBox } from './resources-page.js';

/** The mailbox browser: the newest messages of a folder, and one message (text only: no remote HTML). */
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

  app.get<{ Params: { name: string }; Querystring: { folder?: string } }>('/mail/:name', kit.get, async (req, reply) => {
    const { name } = req.params;
    const folder = req.query.folder ?? 'INBOX';
    try {
      const list = await withMailbox(name, (m) => m.list({ folder, limit: 50 }));
      return kit.page(reply, `Mailbox ${name} / ${folder}`, () => html`<p><a href="/console/resources/${name}">← ${name}</a></p>
${list.length === 0 ? html`<p id="no-messages">No messages in ${folder}.</p>` : html`<table id="messages"><tr><th>Date</th><th>From</th><th>Subject</th><th>Size</th></tr>
${[...list].reverse().map((s) => html`<tr><td>${s.date ? new Date(s.date).toISOString() : ''}</td><td>${addresses(s.from)}</td>
<td><a href="/console/mail/${name}/${s.id}?folder=${encodeURIComponent(folder)}">${s.subject ?? '(no subject)'}</a>${s.seen === false ? html` <span class="badge">unread</span>` : ''}</td><td>${s.size}</td></tr>`)}</table>`}`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return kit.page(reply, `Mailbox ${name}`, () => errorBox(e), 502);
    }
  });

  app.get<{ Params: { name: string; id: string }; Querystring: { folder?: string } }>('/mail/:name/:id', kit.get, async (req, reply) => {
    const { name, id } = req.params;
    const folder = req.query.folder ?? 'INBOX';
    try {
      const msg = await withMailbox(name, (m) => m.get(id, { folder }));
      return kit.page(reply, msg.subject || '(no subject)', () => html`<p><a href="/console/mail/${name}?folder=${encodeURIComponent(folder)}">← ${folder}</a></p>
<table id="message-headers"><tr><th>From</th><td>${msg.from ? addresses([msg.from]) : ''}</td></tr><tr><th>To</th><td>${addresses(msg.to)}</td></tr>
${msg.cc.length ? html`<tr><th>Cc</th><td>${addresses(msg.cc)}</td></tr>` : ''}<tr><th>Date</th><td>${msg.date ? msg.date.toISOString() : ''}</td></tr>
<tr><th>Message-ID</th><td>${msg.messageId ?? ''}</td></tr></table>
<pre id="message-text">${msg.text ?? (msg.html ? '(HTML only: shown as text is not available; download the source)' : '')}</pre>
${msg.attachments.length ? html`<h2>Attachments</h2><ul>${msg.attachments.map((a) => html`<li>${a.filename ?? '(unnamed)'} · ${a.contentType} · ${a.size} bytes</li>`)}</ul>` : ''}`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return kit.page(reply, `Message ${id}`, () => errorBox(e), 502);
    }
  });
}

function addresses(list: readonly { name?: string | undefined; address?: string | undefined }[] | MailAddress[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? ''))).join(', ');
}
