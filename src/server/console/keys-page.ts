import type { FastifyInstance } from 'fastify';
import { formatDateTime, type Locale, messages, relativeTime, t } from '../../i18n/index.js';
import type { ApiKeyInfo } from '../credentials.js';
import { API_SCOPES } from '../scopes.js';
import { html, htmlText, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

const m = messages('console.keys', {
  title: { en: 'API keys', ja: 'API キー' },
  intro: {
    en: 'Call the API with {header}. What each operation needs: the {reference}.',
    ja: 'API は {header} を付けて呼び出します。操作ごとに必要なスコープは {reference} にあります。',
  },
  reference: { en: 'API reference', ja: 'API リファレンス' },
  none: { en: 'No API keys yet.', ja: 'API キーはまだありません。' },
  label: { en: 'Label', ja: 'ラベル' },
  key: { en: 'Key', ja: 'キー' },
  scopes: { en: 'Scopes', ja: 'スコープ' },
  created: { en: 'Created', ja: '作成日時' },
  expires: { en: 'Expires', ja: '有効期限' },
  lastUsed: { en: 'Last used', ja: '最終使用' },
  never: { en: 'never', ja: 'なし' },
  expired: { en: 'expired', ja: '期限切れ' },
  revoke: { en: 'Revoke', ja: '取り消す' },
  revokeLabel: { en: 'Revoke key {label} ({prefix})', ja: 'キー {label} ({prefix}) を取り消す' },
  create: { en: 'Create an API key', ja: 'API キーの作成' },
  scopesLegend: { en: 'Scopes (what the key may do)', ja: 'スコープ (キーで許可する操作)' },
  expiresAfter: { en: 'Expires after', ja: '有効期間' },
  createButton: { en: 'Create API key', ja: 'API キーを作成' },
  scopeRead: {
    en: 'list and read resources (secrets masked), mail, triggers and their history, the doctor, metrics',
    ja: 'リソース (シークレットは伏せ字)、メール、トリガーとその履歴、診断、メトリックの一覧と参照',
  },
  scopeSend: { en: 'send mail and the send test; reads nothing', ja: 'メールの送信と送信テスト。参照はできません' },
  scopeModify: {
    en: 'mark, move, copy and delete messages; reads and sends nothing',
    ja: 'メッセージのマーク、移動、コピー、削除。参照と送信はできません',
  },
  scopeAdmin: {
    en: 'everything, plus resources, consent, tokens, triggers and API keys',
    ja: 'すべての操作に加え、リソース、同意、トークン、トリガー、API キーの管理',
  },
  days30: { en: '30 days', ja: '30 日' },
  days90: { en: '90 days', ja: '90 日' },
  year: { en: '1 year', ja: '1 年' },
  noExpiry: { en: 'never', ja: '無期限' },
  createdNote: {
    en: 'API key {label} created with scopes {scopes}, {expiry}. Copy it now: it is not shown again.',
    ja: 'API キー {label} をスコープ {scopes}、{expiry} で作成しました。今すぐコピーしてください。二度と表示されません。',
  },
  expiring: { en: 'expiring on {date}', ja: '有効期限 {date}' },
  neverExpiring: { en: 'never expiring', ja: '無期限' },
  copy: { en: 'Copy', ja: 'コピー' },
  inDays: { en: 'in {days} days', ja: 'あと {days} 日' },
  copied: { en: 'Copied to the clipboard.', ja: 'クリップボードにコピーしました。' },
  selected: {
    en: 'Selected: press Ctrl+C (or Command+C) to copy.',
    ja: '選択しました。Ctrl+C (または Command+C) でコピーしてください。',
  },
});

/** What each scope allows, in the words of docs/security.md. */
const SCOPE_HELP = {
  read: m.scopeRead,
  send: m.scopeSend,
  modify: m.scopeModify,
  admin: m.scopeAdmin,
} as const satisfies Record<(typeof API_SCOPES)[number], unknown>;

/** Lifetimes offered for a new key (days; 0: never expires). */
const LIFETIMES = [
  [30, m.days30],
  [90, m.days90],
  [365, m.year],
  [0, m.noExpiry],
] as const;
const DEFAULT_DAYS = 90;
const DAY_MS = 86_400_000;

/** API keys: list (scopes, expiry, last use), create (the key shown once, with a Copy button), revoke. */
export function keyPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const render = async (reply: Parameters<ConsoleKit['page']>[0], extra?: (locale: Locale) => Html) => {
    const keys = await ctx.credentials.listApiKeys();
    const now = ctx.now();
    const title = t(m.title, kit.locale(reply.request));
    return kit.page(reply, title, (csrf, l) => {
      return html`${extra?.(l) ?? ''}
        <p class="note">
          ${htmlText(m.intro, l, { header: html`<code>authorization: Bearer mbk_…</code>`, reference: html`<a href="/console/api">${t(m.reference, l)}</a>` })}
        </p>
        ${
          keys.length === 0
            ? html`<p id="no-keys">${t(m.none, l)}</p>`
            : html`<table id="keys">
                <tr>
                  <th>${t(m.label, l)}</th>
                  <th>${t(m.key, l)}</th>
                  <th>${t(m.scopes, l)}</th>
                  <th>${t(m.created, l)}</th>
                  <th>${t(m.expires, l)}</th>
                  <th>${t(m.lastUsed, l)}</th>
                  <th></th>
                </tr>
                ${keys.map(
                  (k) =>
                    html`<tr data-key="${k.id}">
                      <td>${k.label}</td>
                      <td><code>${k.prefix}_…</code></td>
                      <td class="scopes">${k.scopes.join(' ')}</td>
                      <td>${when(k.createdAt, l)}</td>
                      <td class="expires">${expires(k, now, l)}</td>
                      <td>
                        ${k.lastUsedAt ? html`<time datetime="${new Date(k.lastUsedAt).toISOString()}" title="${when(k.lastUsedAt, l)}">${relativeTime(k.lastUsedAt, l, now)}</time>` : t(m.never, l)}
                      </td>
                      <td>
                        <form class="inline" method="post" action="/console/keys/${k.id}/delete">
                          <input type="hidden" name="_csrf" value="${csrf}" /><button
                            aria-label="${t(m.revokeLabel, l, { label: k.label, prefix: k.prefix })}"
                          >
                            ${t(m.revoke, l)}
                          </button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </table>`
        }
        <form method="post" action="/console/keys" id="create-key-form">
          <input type="hidden" name="_csrf" value="${csrf}" />
          <fieldset>
            <legend>${t(m.create, l)}</legend>
            <label
              ><span>${t(m.label, l)}</span
              ><input name="label" id="key-label" required maxlength="100" placeholder="n8n, Power Automate, …"
            /></label>
            <fieldset>
              <legend>${t(m.scopesLegend, l)}</legend>
              ${API_SCOPES.map((sc) => html`<label><input type="checkbox" name="scopes" value="${sc}" ${sc === 'read' ? html`checked` : ''} /> <strong>${sc}</strong>: ${t(SCOPE_HELP[sc], l)}</label>`)}
            </fieldset>
            <label
              ><span>${t(m.expiresAfter, l)}</span
              ><select name="expiresInDays" id="key-expiry">
                ${LIFETIMES.map(([d, label]) => html`<option value="${d}" ${d === DEFAULT_DAYS ? html`selected` : ''}>${t(label, l)}</option>`)}
              </select></label
            >
            <button id="create-key">${t(m.createButton, l)}</button>
          </fieldset>
        </form>`;
    });
  };

  app.get('/keys', kit.get, async (_req, reply) => render(reply));

  app.post<{ Body: { label?: string; scopes?: string | string[]; expiresInDays?: string } }>(
    '/keys',
    kit.post,
    async (req, reply) => {
      const asked = [req.body.scopes ?? []].flat();
      const scopes = API_SCOPES.filter((sc) => asked.includes(sc));
      const days = LIFETIMES.find(([d]) => String(d) === req.body.expiresInDays)?.[0] ?? DEFAULT_DAYS;
      const { info, key } = await ctx.credentials.createApiKey(
        (req.body.label ?? '').trim() || 'console',
        scopes.length > 0 ? scopes : ['read'],
        days > 0 ? { expiresAt: ctx.now() + days * DAY_MS } : {},
      );
      return render(reply, (l) => {
        const expiry = info.expiresAt
          ? htmlText(m.expiring, l, { date: html`<strong id="new-key-expiry">${day(info.expiresAt)}</strong>` })
          : html`<strong id="new-key-expiry">${t(m.neverExpiring, l)}</strong>`;
        return html`<div class="ok" id="key-created" role="status">
          <p>
            ${htmlText(m.createdNote, l, {
              label: html`<strong>${info.label}</strong>`,
              scopes: html`<strong id="new-key-scopes">${info.scopes.join(' ')}</strong>`,
              expiry,
            })}
          </p>
          <div class="key-box">
            <code id="new-key">${key.reveal()}</code
            ><button type="button" data-copy="new-key" id="copy-key" hidden>${t(m.copy, l)}</button
            ><span
              id="new-key-status"
              aria-live="polite"
              data-copied="${t(m.copied, l)}"
              data-selected="${t(m.selected, l)}"
            ></span>
          </div>
        </div>`;
      });
    },
  );

  app.post<{ Params: { id: string } }>('/keys/:id/delete', kit.post, async (req, reply) => {
    await ctx.credentials.deleteApiKey(req.params.id);
    return reply.redirect('/console/keys', 303);
  });
}

/** A date as the API and tests read it (ISO yyyy-mm-dd, the same in both languages). */
function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function when(at: number, locale: Locale): string {
  return formatDateTime(at, locale);
}

function expires(k: ApiKeyInfo, now: number, locale: Locale): Html {
  if (k.expiresAt === undefined) return html`${t(m.never, locale)}`;
  if (k.expiresAt <= now) return html`<span class="badge expired">${t(m.expired, locale)}</span> ${day(k.expiresAt)}`;
  // Whole days, rounded up (a key made for 30 days says "in 30 days" for its first day), not relativeTime's months.
  return html`${day(k.expiresAt)} (${t(m.inDays, locale, { days: Math.ceil((k.expiresAt - now) / DAY_MS) })})`;
}
