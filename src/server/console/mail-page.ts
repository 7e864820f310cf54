import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import { formatDateTime, messages, relativeTime, t, type Locale } from '../../i18n/index.js';
import type { FolderInfo, Mailbox, MessageSummary } from '../../mail/mailbox.js';
import type { MessageFilter } from '../../message/filter.js';
import type { MailAddress } from '../../message/message.js';
import { openMailbox } from '../../mail/open.js';
import { streamAttachment } from '../attachment-stream.js';
import { streamFromMailbox } from '../mail-stream.js';
import { MESSAGE_HTML_CSP } from '../security-headers.js';
import { errorBox } from './fixes.js';
import { html, Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { countRemoteReferences } from './remote-content.js';

const m = messages('console.mail', {
  title: { en: 'Mailbox {name}: {folder}', ja: 'メールボックス {name}: {folder}' },
  titleShort: { en: 'Mailbox {name}', ja: 'メールボックス {name}' },
  backToResource: { en: '← Resource {name}', ja: '← リソース {name}' },
  folders: { en: 'Folders', ja: 'フォルダー' },
  counts: { en: '{unread} unread / {total}', ja: '未読 {unread} / 全 {total} 件' },
  countsAria: { en: '{unread} unread of {total} messages', ja: '{total} 件中 未読 {unread} 件' },
  noFolders: { en: 'POP3 has one folder, INBOX.', ja: 'POP3 のフォルダーは INBOX だけです。' },
  search: { en: 'Search', ja: '検索' },
  searchIn: { en: 'Search in', ja: '検索対象' },
  searchText: { en: 'Search for', ja: '検索する文字列' },
  field_subject: { en: 'Subject', ja: '件名' },
  field_from: { en: 'From', ja: '差出人' },
  field_to: { en: 'To / Cc', ja: '宛先 / CC' },
  unreadOnly: { en: 'Unread only', ja: '未読のみ' },
  clear: { en: 'Clear the search', ja: '検索を解除' },
  noSearchPop3: {
    en: 'POP3 cannot search: every message is listed.',
    ja: 'POP3 では検索できないため、すべてのメッセージを表示しています。',
  },
  none: { en: 'No messages in {folder}.', ja: '{folder} にメッセージはありません。' },
  noneFound: {
    en: 'No messages in {folder} match the search.',
    ja: '{folder} に検索条件に合うメッセージはありません。',
  },
  caption: {
    en: 'Messages {from}–{to} of {folder}, newest first',
    ja: '{folder} のメッセージ {from}〜{to} 件目 (新しい順)',
  },
  captionOf: {
    en: 'Messages {from}–{to} of {total} in {folder}, newest first',
    ja: '{folder} の全 {total} 件中 {from}〜{to} 件目 (新しい順)',
  },
  date: { en: 'Date', ja: '日時' },
  from: { en: 'From', ja: '差出人' },
  to: { en: 'To', ja: '宛先' },
  cc: { en: 'Cc', ja: 'CC' },
  subject: { en: 'Subject', ja: '件名' },
  size: { en: 'Size', ja: 'サイズ' },
  noSubject: { en: '(no subject)', ja: '(件名なし)' },
  unread: { en: 'unread', ja: '未読' },
  attachment: { en: 'attachment', ja: '添付あり' },
  paging: { en: 'Pages', ja: 'ページ' },
  newer: { en: '← Newer', ja: '← 新しいメッセージ' },
  older: { en: 'Older →', ja: '古いメッセージ →' },
  pageN: { en: 'Page {n}', ja: '{n} ページ目' },
  pageNofM: { en: 'Page {n} of {pages}', ja: '{n} / {pages} ページ' },
  pageCap: {
    en: 'Only the newest {n} messages can be paged through here; search to find older ones.',
    ja: 'ここでは新しい {n} 件までしかページ送りできません。それより古いメッセージは検索してください。',
  },
  // the message view
  backToFolder: { en: '← {folder}', ja: '← {folder}' },
  messageId: { en: 'Message-ID', ja: 'Message-ID' },
  downloadSource: { en: 'Download the source (.eml)', ja: 'ソースをダウンロード (.eml)' },
  htmlNote: {
    en: 'The HTML part, shown without scripts and with remote content blocked: images, styles and fonts from the network are not loaded (nobody learns that you opened it).',
    ja: 'HTML パートを、スクリプトなし・リモート コンテンツをブロックして表示しています。ネットワーク上の画像・スタイル・フォントは読み込みません (開封したことは送信者に伝わりません)。',
  },
  remoteBlocked: {
    en: 'Remote content blocked: {count} item(s) from the network were not loaded.',
    ja: 'リモート コンテンツをブロックしました: ネットワーク上の {count} 件を読み込んでいません。',
  },
  frameTitle: {
    en: "The message's HTML (remote content blocked)",
    ja: 'メッセージの HTML (リモート コンテンツはブロック済み)',
  },
  textVersion: { en: 'The text version', ja: 'テキスト版' },
  noBody: { en: 'This message has no body.', ja: 'このメッセージには本文がありません。' },
  attachments: { en: 'Attachments', ja: '添付ファイル' },
  download: { en: 'Download {name}', ja: '{name} をダウンロード' },
  messageTitle: { en: 'Message {id}', ja: 'メッセージ {id}' },
});

type ListQuery = { folder?: string; page?: string; q?: string; field?: string; unread?: string };
type MessageRoute = { Params: { name: string; id: string }; Querystring: { folder?: string } };

/** Messages per page of the list. */
export const PAGE_SIZE = 25;
/** The facade lists "the newest N" (REST caps N at 1000): pages reach back that far. */
const MAX_LISTED = 1000;
const FIELDS = ['subject', 'from', 'to'] as const;
type SearchField = (typeof FIELDS)[number];

/**
 * The mailbox browser: folders with their unread and total counts, a folder's messages newest
 * first in pages with a server-side search (the facade's filter: IMAP SEARCH, an EWS
 * restriction, a Graph $filter), and one message: headers, text, its HTML in a sandboxed frame
 * that loads nothing remote, attachments and the source as downloads.
 */
export function mailPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const withMailbox = async <T>(name: string, work: (mb: Mailbox) => Promise<T>): Promise<T> => {
    const mb = await openMailbox({
      resource: name,
      store: ctx.store,
      tokens: ctx.tokens,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    });
    try {
      return await work(mb);
    } finally {
      await mb.close().catch(() => undefined);
    }
  };
  const enc = encodeURIComponent;
  const base = (name: string, id: string): string => `/console/mail/${enc(name)}/${enc(id)}`;

  app.get<{ Params: { name: string }; Querystring: ListQuery }>('/mail/:name', kit.get, async (req, reply) => {
    const { name } = req.params;
    const folder = req.query.folder || 'INBOX';
    const page = Math.min(Math.max(Math.trunc(Number(req.query.page ?? 1)) || 1, 1), MAX_LISTED / PAGE_SIZE);
    const q = (req.query.q ?? '').trim().slice(0, 200);
    const field: SearchField = FIELDS.find((f) => f === req.query.field) ?? 'subject';
    const unreadOnly = req.query.unread === '1';
    const locale = kit.locale(req);
    try {
      const { kind, folders, list } = await withMailbox(name, async (mb) => {
        const canSearch = mb.kind !== 'pop3';
        const filter: MessageFilter = canSearch
          ? { ...(q ? { [field]: q } : {}), ...(unreadOnly ? { unseen: true } : {}) }
          : {};
        const limit = page * PAGE_SIZE;
        // The facade keeps the newest N; this page is the oldest PAGE_SIZE of the newest page×PAGE_SIZE.
        const newest = await mb.list({ folder, filter, limit: limit + 1 });
        const more = newest.length > limit;
        const slice = newest
          .slice(more ? 1 : 0)
          .reverse()
          .slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
        return {
          kind: mb.kind,
          // the folder list is a convenience: a backend that cannot list folders still shows the messages
          folders: await mb.folders().catch((e: unknown) => {
            if (isMailbridgeError(e)) return [] as FolderInfo[];
            throw e;
          }),
          list: { rows: mb.kind === 'pop3' ? await withHeaders(mb, slice) : slice, more },
        };
      });
      const current = folders.find((f) => sameFolder(f.path, folder));
      const searching = q !== '' || unreadOnly;
      const href = (p: number): string =>
        `/console/mail/${enc(name)}?folder=${enc(folder)}&page=${p}${q ? `&q=${enc(q)}&field=${field}` : ''}${unreadOnly ? '&unread=1' : ''}`;
      return kit.page(
        reply,
        t(m.title, locale, { name, folder }),
        (_csrf, locale) =>
          html`<style>
              ${new Html(MAIL_CSS)}
            </style>
            <p><a href="/console/resources/${enc(name)}">${t(m.backToResource, locale, { name })}</a></p>
            <div class="mail-layout">
              ${folderNav(name, folder, folders, kind, locale)}
              <div class="mail-list">
                ${kind === 'pop3' ? html`<p class="note" id="no-search">${t(m.noSearchPop3, locale)}</p>` : searchForm(name, folder, q, field, unreadOnly, locale)}
                ${
                  list.rows.length === 0
                    ? html`<p id="no-messages">${t(searching ? m.noneFound : m.none, locale, { folder })}</p>`
                    : messageTable(list.rows, {
                        name,
                        folder,
                        page,
                        total: searching ? undefined : current?.messages,
                        locale,
                        now: ctx.now(),
                        base,
                      })
                }
                ${pager(page, list.more, href, searching ? undefined : current?.messages, locale)}
              </div>
            </div>`,
      );
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return kit.page(
        reply,
        t(m.titleShort, locale, { name }),
        (csrf, locale) =>
          html`<p><a href="/console/resources/${enc(name)}">${t(m.backToResource, locale, { name })}</a></p>
            ${errorBox(e, { csrf, resource: name, locale })}`,
        502,
      );
    }
  });

  app.get<MessageRoute>('/mail/:name/:id', kit.get, async (req, reply) => {
    const { name, id } = req.params;
    const folder = req.query.folder || 'INBOX';
    const here = base(name, id);
    const fq = `folder=${enc(folder)}`;
    const locale = kit.locale(req);
    const back = (l: Locale) =>
      html`<p><a href="/console/mail/${enc(name)}?${fq}">${t(m.backToFolder, l, { folder })}</a></p>`;
    try {
      const msg = await withMailbox(name, (mb) => mb.get(id, { folder }));
      const remote = msg.html !== undefined ? countRemoteReferences(msg.html) : 0;
      return kit.page(
        reply,
        msg.subject || t(m.noSubject, locale),
        (_csrf, locale) =>
          html`<style>
              ${new Html(MAIL_CSS)}</style
            >${back(locale)}
            <table id="message-headers">
              <tr>
                <th scope="row">${t(m.from, locale)}</th>
                <td>${msg.from ? addresses([msg.from]) : ''}</td>
              </tr>
              <tr>
                <th scope="row">${t(m.to, locale)}</th>
                <td>${addresses(msg.to)}</td>
              </tr>
              ${
                msg.cc.length
                  ? html`<tr>
                      <th scope="row">${t(m.cc, locale)}</th>
                      <td>${addresses(msg.cc)}</td>
                    </tr>`
                  : ''
              }
              <tr>
                <th scope="row">${t(m.date, locale)}</th>
                <td id="message-date">
                  ${msg.date ? html`<time datetime="${msg.date.toISOString()}">${formatDateTime(msg.date, locale)}</time> (${relativeTime(msg.date, locale, ctx.now())})` : ''}
                </td>
              </tr>
              <tr>
                <th scope="row">${t(m.subject, locale)}</th>
                <td id="message-subject">${msg.subject}</td>
              </tr>
              <tr>
                <th scope="row">${t(m.messageId, locale)}</th>
                <td><code>${msg.messageId ?? ''}</code></td>
              </tr>
            </table>
            <p><a id="download-source" href="${here}/source?${fq}" download>${t(m.downloadSource, locale)}</a></p>
            ${
              msg.html !== undefined
                ? html`<p class="note" id="html-note">${t(m.htmlNote, locale)}</p>
                    ${remote ? html`<p class="warn-box" id="remote-note" role="status">${t(m.remoteBlocked, locale, { count: remote })}</p>` : ''}
                    <iframe
                      class="message-html"
                      id="message-html"
                      title="${t(m.frameTitle, locale)}"
                      sandbox
                      src="${here}/html?${fq}"
                      referrerpolicy="no-referrer"
                    ></iframe>
                    ${
                      msg.text !== undefined
                        ? html`<details id="text-version">
                            <summary>${t(m.textVersion, locale)}</summary>
                            <pre id="message-text">${msg.text}</pre>
                          </details>`
                        : ''
                    }`
                : msg.text !== undefined
                  ? html`<pre id="message-text">${msg.text}</pre>`
                  : html`<p class="note" id="no-body">${t(m.noBody, locale)}</p>`
            }
            ${
              msg.attachments.length
                ? html`<h2>${t(m.attachments, locale)}</h2>
                    <ul id="attachments">
                      ${msg.attachments.map((a, i) => {
                        const file = a.filename ?? `attachment-${i + 1}`;
                        return html`<li>
                          <a
                            href="${here}/attachments/${i}?${fq}"
                            download
                            aria-label="${t(m.download, locale, { name: file })}"
                            >${file}</a
                          >
                          <span class="note">${a.contentType} · ${size(a.size, locale)}</span>
                        </li>`;
                      })}
                    </ul>`
                : ''
            }`,
      );
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return kit.page(
        reply,
        t(m.messageTitle, locale, { id }),
        (csrf, locale) => html`${back(locale)}${errorBox(e, { csrf, resource: name, locale })}`,
        502,
      );
    }
  });

  // The message's HTML as its own document, for the frame above: MESSAGE_HTML_CSP sandboxes it
  // and blocks every network load (security-headers.ts keeps this policy and allows same-origin framing).
  app.get<MessageRoute>('/mail/:name/:id/html', kit.get, async (req, reply) => {
    const msg = await withMailbox(req.params.name, (mb) =>
      mb.get(req.params.id, { folder: req.query.folder || 'INBOX' }),
    );
    return reply
      .header('content-security-policy', MESSAGE_HTML_CSP)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(msg.html ?? '');
  });

  app.get<MessageRoute>('/mail/:name/:id/source', kit.get, async (req, reply) =>
    streamFromMailbox(ctx, reply.header('cache-control', 'no-store'), req.params.name, async (mb) => ({
      body: await mb.raw(req.params.id, { folder: req.query.folder || 'INBOX' }),
      type: 'message/rfc822',
      filename: `${req.params.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}.eml`,
    })),
  );

  app.get<MessageRoute & { Params: { index: string } }>(
    '/mail/:name/:id/attachments/:index',
    kit.get,
    async (req, reply) => {
      const index = Number(req.params.index);
      return streamFromMailbox(ctx, reply.header('cache-control', 'no-store'), req.params.name, async (mb) => {
        const a = await streamAttachment(
          await mb.raw(req.params.id, { folder: req.query.folder || 'INBOX' }),
          Number.isSafeInteger(index) && index >= 0 ? index : -1,
        );
        // Always a download, never rendered here: an attachment's HTML or SVG must not run in the console's origin.
        return { body: a.stream, type: 'application/octet-stream', filename: a.filename ?? `attachment-${index + 1}` };
      });
    },
  );
}

/**
 * POP3 lists ids and sizes only (no TOP in the facade): the page's few messages are read for
 * their subject, sender and date, so the list is as readable as the other kinds'.
 */
async function withHeaders(mb: Mailbox, rows: MessageSummary[]): Promise<MessageSummary[]> {
  const out: MessageSummary[] = [];
  for (const r of rows) {
    const msg = await mb.get(r.id).catch(() => undefined);
    out.push(
      msg
        ? {
            ...r,
            subject: msg.subject,
            from: msg.from ? [msg.from] : [],
            ...(msg.date ? { date: msg.date } : {}),
            hasAttachments: msg.hasAttachments,
          }
        : r,
    );
  }
  return out;
}

/** The folders as links (keyboard and screen readers need nothing more), each with unread / total. */
function folderNav(name: string, current: string, folders: FolderInfo[], kind: string, locale: Locale): Html {
  const list =
    folders.some((f) => sameFolder(f.path, current)) || folders.length === 0
      ? folders
      : [{ path: current, name: current }, ...folders];
  return html`<nav class="folders" id="folders" aria-label="${t(m.folders, locale)}">
    <h2>${t(m.folders, locale)}</h2>
    <ul>
      ${list.map(
        (f) =>
          html`<li>
            <a
              href="/console/mail/${encodeURIComponent(name)}?folder=${encodeURIComponent(f.path)}"
              data-folder="${f.path}"
              ${sameFolder(f.path, current) ? html`aria-current="page"` : ''}
              >${f.path}</a
            >${
              f.messages !== undefined
                ? html` <span
                    class="counts"
                    aria-label="${t(m.countsAria, locale, { unread: f.unseen ?? 0, total: f.messages })}"
                    >${t(m.counts, locale, { unread: f.unseen ?? 0, total: f.messages })}</span
                  >`
                : ''
            }
          </li>`,
      )}
    </ul>
    ${kind === 'pop3' ? html`<p class="note">${t(m.noFolders, locale)}</p>` : ''}
  </nav>`;
}

/** INBOX is case-insensitive (RFC 3501 §5.1), and EWS and Graph call it Inbox. */
function sameFolder(a: string, b: string): boolean {
  return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}

function searchForm(
  name: string,
  folder: string,
  q: string,
  field: SearchField,
  unreadOnly: boolean,
  locale: Locale,
): Html {
  return html`<form
    method="get"
    action="/console/mail/${encodeURIComponent(name)}"
    id="mail-search"
    role="search"
    class="mail-search"
  >
    <input type="hidden" name="folder" value="${folder}" />
    <label for="search-q">${t(m.searchText, locale)}</label
    ><input type="search" id="search-q" name="q" value="${q}" maxlength="200" />
    <label for="search-field">${t(m.searchIn, locale)}</label
    ><select id="search-field" name="field">
      ${FIELDS.map((f) => html`<option value="${f}" ${f === field ? html`selected` : ''}>${t(m[`field_${f}`], locale)}</option>`)}
    </select>
    <label class="check"
      ><input type="checkbox" name="unread" value="1" id="search-unread" ${unreadOnly ? html`checked` : ''} />
      ${t(m.unreadOnly, locale)}</label
    >
    <button id="search-button">${t(m.search, locale)}</button>
    ${q || unreadOnly ? html`<a href="/console/mail/${encodeURIComponent(name)}?folder=${encodeURIComponent(folder)}" id="clear-search">${t(m.clear, locale)}</a>` : ''}
  </form>`;
}

function messageTable(
  rows: MessageSummary[],
  o: {
    name: string;
    folder: string;
    page: number;
    total: number | undefined;
    locale: Locale;
    now: number;
    base: (n: string, id: string) => string;
  },
): Html {
  const { locale } = o;
  const from = (o.page - 1) * PAGE_SIZE + 1;
  const to = from + rows.length - 1;
  const caption =
    o.total !== undefined
      ? t(m.captionOf, locale, { from, to, total: o.total, folder: o.folder })
      : t(m.caption, locale, { from, to, folder: o.folder });
  return html`<div class="table-scroll">
    <table id="messages">
      <caption class="note">
        ${caption}
      </caption>
      <tr>
        <th scope="col">${t(m.date, locale)}</th>
        <th scope="col">${t(m.from, locale)}</th>
        <th scope="col">${t(m.subject, locale)}</th>
        <th scope="col">${t(m.size, locale)}</th>
      </tr>
      ${rows.map(
        (s) =>
          html`<tr class="${s.seen === false ? 'unread' : ''}">
            <td>
              ${s.date ? html`<time datetime="${new Date(s.date).toISOString()}" title="${relativeTime(s.date, locale, o.now)}">${formatDateTime(s.date, locale)}</time>` : ''}
            </td>
            <td>${addresses(s.from)}</td>
            <td>
              <a href="${o.base(o.name, s.id)}?folder=${encodeURIComponent(o.folder)}"
                >${s.subject || t(m.noSubject, locale)}</a
              >${s.seen === false ? html` <span class="badge unread-badge">${t(m.unread, locale)}</span>` : ''}${s.hasAttachments ? html` <span class="badge">${t(m.attachment, locale)}</span>` : ''}
            </td>
            <td class="num">${size(s.size, locale)}</td>
          </tr>`,
      )}
    </table>
  </div>`;
}

function pager(
  page: number,
  more: boolean,
  href: (p: number) => string,
  total: number | undefined,
  locale: Locale,
): Html {
  const pages = total !== undefined ? Math.max(1, Math.ceil(Math.min(total, MAX_LISTED) / PAGE_SIZE)) : undefined;
  const atCap = page * PAGE_SIZE >= MAX_LISTED && more;
  if (page === 1 && !more) return html``;
  return html`<nav class="pager" aria-label="${t(m.paging, locale)}">
    ${page > 1 ? html`<a href="${href(page - 1)}" id="newer" rel="prev">${t(m.newer, locale)}</a>` : ''}
    <span id="page-number">${pages ? t(m.pageNofM, locale, { n: page, pages }) : t(m.pageN, locale, { n: page })}</span>
    ${more && !atCap ? html`<a href="${href(page + 1)}" id="older" rel="next">${t(m.older, locale)}</a>` : ''}
    ${atCap ? html`<p class="note">${t(m.pageCap, locale, { n: MAX_LISTED })}</p>` : ''}
  </nav>`;
}

function size(bytes: number, locale: Locale): string {
  const f = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${f.format(bytes)} B`;
  if (bytes < 1024 * 1024) return `${f.format(bytes / 1024)} KB`;
  return `${f.format(bytes / 1024 / 1024)} MB`;
}

function addresses(
  list: readonly { name?: string | undefined; address?: string | undefined }[] | MailAddress[],
): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? ''))).join(', ');
}

const MAIL_CSS = `.mail-layout{display:flex;gap:1.2em;align-items:flex-start}
.folders{flex:0 0 15em;background:#fff;border:1px solid #d8dde3;padding:.4em .8em}.folders h2{font-size:1em;margin:.3em 0}
.folders ul{list-style:none;margin:0;padding:0}.folders li{margin:.25em 0}.folders a[aria-current=page]{font-weight:700}
.folders .counts{color:#4b5563;font-size:.85em;white-space:nowrap}
.mail-list{flex:1;min-width:0}.mail-search{display:flex;flex-wrap:wrap;gap:.4em .6em;align-items:center;margin:.4em 0}
.mail-search label{margin:0}.mail-search input[type=search]{min-width:12em}.mail-search .check{display:inline-flex;gap:.3em;align-items:center}
tr.unread td{font-weight:600}td.num{text-align:right;white-space:nowrap}.table-scroll{overflow-x:auto;max-width:100%}
.pager{display:flex;gap:1em;align-items:center;flex-wrap:wrap;margin:.6em 0}
.warn-box{background:#fbefc4;border:1px solid #e0c56a;padding:.4em .7em;color:#1b1f24}
@media (max-width:700px){.mail-layout{display:block}.folders{margin-bottom:.8em}
.folders li{display:inline-block;margin:.15em .9em .15em 0}
.mail-search input[type=search],.mail-search select{width:auto;flex:1 1 10em}
#messages,#messages tbody,#messages tr,#messages td{display:block;border:0}#messages tr:first-child{display:none}
#messages tr{display:flex;flex-wrap:wrap;gap:0 .8em;border-bottom:1px solid #d8dde3;padding:.4em .2em}
#messages caption{display:block;text-align:left}#messages td{padding:0}#messages td:nth-child(3){order:-1;flex-basis:100%;font-size:1.02em}#messages td.num{margin-left:auto}
#message-headers,#message-headers tbody,#message-headers tr,#message-headers th,#message-headers td{display:block;border:0}
#message-headers tr{border-bottom:1px solid #d8dde3;padding:.2em 0}#message-headers th{background:none;padding:0 .5em;font-size:.85em;color:#4b5563}
#message-headers td{padding:0 .5em;overflow-wrap:anywhere}}`;
