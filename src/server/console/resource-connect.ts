import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Resource } from '../../config/resource.js';
import { isMailbridgeError } from '../../errors.js';
import { formatDateTime, messages, relativeTime, t, type Locale } from '../../i18n/index.js';
import { mustGetResource } from '../../services/resources.js';
import { errorBox, fixLine } from './fixes.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

export const CONNECT_TEXT = messages('console.connect', {
  legend: { en: 'Connect (sign in and consent)', ja: '接続 (サインインして同意)' },
  browser: { en: 'Connect in this browser', ja: 'このブラウザーで接続' },
  browserNote: {
    en: 'authorization code with PKCE: the sign-in page opens here and comes back by itself',
    ja: '認可コード + PKCE: このブラウザーでサインイン ページを開き、自動で戻ります',
  },
  paste: { en: 'Paste the redirected URL', ja: 'リダイレクト先の URL を貼り付け' },
  pasteNote: {
    en: 'sign in in any browser, then paste the address it ended on (when the Callback URL does not reach this service)',
    ja: '任意のブラウザーでサインインし、最後に表示されたアドレスを貼り付けます (コールバックURL がこのサービスに届かない場合)',
  },
  device: { en: 'Device code', ja: 'デバイス コード' },
  deviceNote: {
    en: 'sign in on another device (a phone): enter the code shown at microsoft.com/devicelogin',
    ja: '別の端末 (スマートフォンなど) でサインイン: 表示されるコードを microsoft.com/devicelogin で入力します',
  },
  appOnly: { en: 'Get an app-only token', ja: 'アプリ専用トークンを取得' },
  appOnlyNote: {
    en: 'client credentials: no person signs in; the token endpoint is asked with the client secret or certificate',
    ja: 'クライアント資格情報: 人のサインインは不要です。クライアントシークレットまたは証明書でトークン エンドポイントに要求します',
  },
  deviceTitle: { en: 'Device code sign-in for {name}', ja: '{name} のデバイス コード サインイン' },
  deviceOpen: { en: 'On any device, open', ja: '任意の端末で次のページを開き、' },
  deviceEnter: { en: 'and enter this code:', ja: '次のコードを入力してください:' },
  deviceExpires: { en: 'The code expires {when} ({left}).', ja: 'コードの有効期限: {when} ({left})。' },
  deviceWaiting: {
    en: 'Waiting for the sign-in… this page reloads by itself every 5 seconds.',
    ja: 'サインインを待っています… このページは 5 秒ごとに自動で更新されます。',
  },
  deviceReload: { en: 'Reload now', ja: '今すぐ更新' },
  deviceDone: { en: 'Connected: status {status}.', ja: '接続しました: 状態 {status}。' },
  deviceFailed: { en: 'The device code sign-in failed:', ja: 'デバイス コード サインインに失敗しました:' },
  back: { en: '← Back to {name}', ja: '← {name} に戻る' },
  again: { en: 'Start again', ja: 'もう一度始める' },
  copy: { en: 'Copy', ja: 'コピー' },
});

/** The Connect choices of a resource page: one button per flow the resource can use. */
export function connectBox(r: Resource, csrf: string, locale: Locale): Html {
  const enc = encodeURIComponent(r.name);
  const button = (action: string, id: string, label: string, note: string, how?: string) =>
    html`<form class="connect-option" method="post" action="/console/resources/${enc}/${action}">
      <input
        type="hidden"
        name="_csrf"
        value="${csrf}"
      />${how ? html`<input type="hidden" name="how" value="${how}" />` : ''} <button id="${id}">${label}</button>
      <small class="note">${note}</small>
    </form>`;
  if (r.oauth?.flow === 'client_credentials') {
    return html`<fieldset id="connect-box">
      <legend>${t(CONNECT_TEXT.legend, locale)}</legend>
      ${button('connect', 'connect', t(CONNECT_TEXT.appOnly, locale), t(CONNECT_TEXT.appOnlyNote, locale))}
    </fieldset>`;
  }
  return html`<fieldset id="connect-box">
    <legend>${t(CONNECT_TEXT.legend, locale)}</legend>
    ${button('connect', 'connect', t(CONNECT_TEXT.browser, locale), t(CONNECT_TEXT.browserNote, locale))}
    ${button('connect', 'connect-paste', t(CONNECT_TEXT.paste, locale), t(CONNECT_TEXT.pasteNote, locale), 'paste')}
    ${button('device', 'connect-device', t(CONNECT_TEXT.device, locale), t(CONNECT_TEXT.deviceNote, locale))}
  </fieldset>`;
}

/**
 * The device code flow (RFC 8628) in the console: start it, then one page that shows the user
 * code large with the verification address, and reloads itself (the `Refresh` header, so no
 * script is needed) until the sign-in is done or failed. The service polls the token endpoint in
 * the background (server/device-flows.ts).
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
 */
export function devicePages(app: FastifyInstance, kit: ConsoleKit, failurePage: FailurePage): void {
  const { ctx } = kit;
  const path = (name: string) => `/console/resources/${encodeURIComponent(name)}`;

  app.post<{ Params: { name: string } }>('/resources/:name/device', kit.post, async (req, reply) => {
    const name = req.params.name;
    let id: string;
    try {
      id = (await ctx.devices.start(name)).id;
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return failurePage(req, name, reply, (csrf: string) => errorBox(e, { csrf, resource: name, locale: kit.locale(req) }), 400);
    }
    return reply.redirect(`${path(name)}/device/${encodeURIComponent(id)}`, 303);
  });

  app.get<{ Params: { name: string; id: string } }>('/resources/:name/device/:id', kit.get, async (req, reply) => {
    const r = await mustGetResource(ctx.store, req.params.name);
    const flow = ctx.devices.get(req.params.id);
    if (flow.resource !== r.name) return reply.redirect(path(r.name), 303);
    const now = ctx.now();
    // The page asks again by itself while the person signs in elsewhere.
    if (flow.state === 'pending') reply.header('refresh', '5');
    return kit.page(reply, t(CONNECT_TEXT.deviceTitle, kit.locale(req), { name: r.name }), (csrf, locale) => {
      const back = html`<p>
        <a id="back" href="${path(r.name)}">${t(CONNECT_TEXT.back, locale, { name: r.name })}</a>
      </p>`;
      if (flow.state === 'done') {
        return html`<p class="ok" id="consent-result">
            ${t(CONNECT_TEXT.deviceDone, locale, { status: flow.status ?? '' })}
          </p>
          ${back}`;
      }
      if (flow.state === 'failed') {
        return html`<div class="err" id="device-error">
            <p>
              <strong>${t(CONNECT_TEXT.deviceFailed, locale)}</strong> ${flow.error?.message ?? ''}
              (${flow.error?.code ?? ''})
            </p>
            ${fixLine({ code: flow.error?.code ?? '', hint: flow.error?.hint ?? '' }, r.name, csrf, locale)}
          </div>
          <form method="post" action="${path(r.name)}/device">
            <input type="hidden" name="_csrf" value="${csrf}" /><button id="device-again">
              ${t(CONNECT_TEXT.again, locale)}
            </button>
          </form>
          ${back}`;
      }
      return html`<section id="device" aria-live="polite">
          <p>
            ${t(CONNECT_TEXT.deviceOpen, locale)}
            <a id="verification-uri" href="${flow.verificationUri}" target="_blank" rel="noopener"
              >${flow.verificationUri}</a
            >
            ${t(CONNECT_TEXT.deviceEnter, locale)}
          </p>
          <p class="user-code">
            <code id="user-code">${flow.userCode}</code>
            <button type="button" data-copy="user-code" hidden>${t(CONNECT_TEXT.copy, locale)}</button
            ><span id="user-code-status" class="note"></span>
          </p>
          <p class="note" id="device-expires">
            ${t(CONNECT_TEXT.deviceExpires, locale, {
              when: formatDateTime(flow.expiresAt, locale),
              left: relativeTime(flow.expiresAt, locale, now),
            })}
          </p>
          <p class="note" id="device-waiting">
            ${t(CONNECT_TEXT.deviceWaiting, locale)} <a href="${req.url}">${t(CONNECT_TEXT.deviceReload, locale)}</a>
          </p>
        </section>
        ${back}`;
    });
  });
}

/** The resource page with something on top (resources-page.ts), for a device code start that failed. */
export type FailurePage = (
  req: FastifyRequest,
  name: string,
  reply: Parameters<ConsoleKit['page']>[0],
  extra: (csrf: string, locale: Locale) => Html,
  status?: number,
) => Promise<unknown>;
