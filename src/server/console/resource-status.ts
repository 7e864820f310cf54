import type { FieldRow } from '../../config/fields.js';
import type { Resource } from '../../config/resource.js';
import type { ResourceWarning } from '../../config/warnings.js';
import { formatDateTime, messages, relativeTime, t, type Locale, type Message } from '../../i18n/index.js';
import type { ResourceView } from '../../services/resources.js';
import type { AttemptEvent, AttemptOutcome, ResourceAttempts } from '../../store/attempts.js';
import { html, type Html } from './html.js';
import { fixLine } from './fixes.js';

export const STATUS_TEXT = messages('console.status', {
  areaToken: { en: 'Sign-in (token endpoint)', ja: 'サインイン (トークン エンドポイント)' },
  areaMail: { en: 'Mail server', ja: 'メールサーバ' },
  connect: { en: 'Connect', ja: '接続' },
  consent: { en: 'consent', ja: '同意' },
  refresh: { en: 'token refresh', ja: 'トークンの更新' },
  rotation: { en: 'token refresh, refresh token rotated', ja: 'トークンの更新 (リフレッシュ トークンを交換)' },
  check: { en: 'token check', ja: 'トークンの確認' },
  test: { en: 'test', ja: 'テスト' },
  staleBadge: { en: '{status}, but the last {action} failed', ja: '{status} (ただし直近の{action}に失敗)' },
  asOf: { en: 'as of {when} ({action})', ja: '{when} 時点 ({action})' },
  noAttempt: { en: 'no attempt yet', ja: 'まだ試行していません' },
  noAttempts: { en: 'No attempt with the servers yet.', ja: 'まだサーバとのやり取りはありません。' },
  attemptHead: { en: '{area}, as of', ja: '{area}（確認時点）:' },
  ok: { en: 'OK', ja: '成功' },
  failed: { en: 'failed', ja: '失敗' },
  lastSuccess: { en: 'last success {when}', ja: '最後の成功 {when}' },
  none: { en: 'none cached', ja: 'キャッシュなし' },
  expired: { en: 'expired {when}', ja: '{when} に期限切れ' },
  validUntil: { en: 'valid until {when} ({left})', ja: '{when} まで有効 ({left})' },
  history: { en: 'History', ja: '履歴' },
  historyEmpty: {
    en: 'Nothing recorded yet: connect, or check the token.',
    ja: 'まだ記録がありません。接続するか、トークンを確認してください。',
  },
  hWhen: { en: 'When', ja: '日時' },
  hWhat: { en: 'What', ja: '操作' },
  hOutcome: { en: 'Outcome', ja: '結果' },
  hCode: { en: 'Code', ja: 'コード' },
  hDetail: { en: 'Detail', ja: '詳細' },
  notice: { en: 'Saved: {fields}.', ja: '保存しました: {fields}。' },
  nothingChanged: { en: 'Nothing changed.', ja: '変更はありません。' },
  tokensDropped: {
    en: 'The credentials now go elsewhere ({fields}): the stored tokens were dropped.',
    ja: '資格情報の送り先が変わりました ({fields})。保存済みのトークンは破棄しました。',
  },
  connectAgain: { en: 'Connect again', ja: 'もう一度接続' },
  removed: { en: 'Removed {name}.', ja: '{name} を削除しました。' },
  removedWithOne: { en: 'Removed {name} and its trigger {triggers}.', ja: '{name} とそのトリガー {triggers} を削除しました。' },
  removedWith: {
    en: 'Removed {name} and its triggers {triggers}.',
    ja: '{name} とそのトリガー {triggers} を削除しました。',
  },
  smtpType: { en: '(none: Email send, SMTP)', ja: '(なし: Email 送信、SMTP)' },
  sentAs: {
    en: "sent as {uri} (a loopback Redirect URI's port is not compared, so the service's own port is used)",
    ja: '{uri} として送信します (ループバックのリダイレクト URI はポートを比較しないため、このサービスのポートを使います)',
  },
  pasteBack: {
    en: 'sent as {uri}; it does not reach this service: you paste the redirected URL back',
    ja: '{uri} として送信します。このサービスには届かないので、リダイレクト先の URL を貼り付けて戻します',
  },
});

/** The guide's labels in Japanese (the integration platform's resource form, seed guide). */
const FIELD_JA: Record<string, string> = {
  'Server type': 'サーバタイプ',
  'Incoming mail server': '受信メールサーバ',
  'Incoming port': '受信ポート番号',
  'Incoming secure connection': '受信セキュア接続',
  'Outgoing mail server': '送信メールサーバ',
  'Outgoing port': '送信ポート番号',
  'Outgoing secure connection': '送信セキュア接続',
  'From address': 'Fromアドレス',
  Server: 'サーバ',
  Domain: 'ドメイン',
  'Authentication type': '認証タイプ',
  User: 'ユーザ',
  'OAuth refresh token status': 'OAuthリフレッシュトークンステータス',
  'OAuth app-only token status': 'OAuth アプリ専用トークンのステータス',
  'Authorization URL': '認証URL',
  'Access token URL': 'アクセストークンURL',
  'Callback URL': 'コールバックURL',
  'Client ID': 'クライアントID',
  'Client secret': 'クライアントシークレット',
  Scope: 'スコープ',
  State: '状態',
  'Response mode': '応答モード',
  Flow: 'フロー',
  'Tenant ID': 'テナント ID',
  'Device code URL': 'デバイス コード URL',
  Cloud: 'クラウド',
  'Send rate limit': '送信レート制限',
  'Graph fallback': 'Graph フォールバック',
};

const ACTION: Record<AttemptOutcome['action'], Message> = {
  connect: STATUS_TEXT.connect,
  consent: STATUS_TEXT.consent,
  refresh: STATUS_TEXT.refresh,
  check: STATUS_TEXT.check,
  test: STATUS_TEXT.test,
};
const AREA: Record<ResourceAttempts['area'], Message> = { token: STATUS_TEXT.areaToken, mail: STATUS_TEXT.areaMail };

const actionOf = (o: AttemptOutcome, locale: Locale): string =>
  t(o.rotated ? STATUS_TEXT.rotation : ACTION[o.action], locale);

/** A time as its viewer reads it: the date in their zone, and how long ago (or how soon). */
export function when(at: number, locale: Locale, now: number): Html {
  return html`<time datetime="${new Date(at).toISOString()}" title="${relativeTime(at, locale, now)}"
    >${formatDateTime(at, locale)}</time
  >`;
}

/** Date and relative time, for a place with room (`2026/12/07 15:21 JST (5分前)`). */
export function whenLong(at: number, locale: Locale, now: number): Html {
  return html`${when(at, locale, now)} <span class="rel">(${relativeTime(at, locale, now)})</span>`;
}

/**
 * The refresh token status as of the last attempt: green only when the last attempt with the
 * token endpoint did not fail. A stored Available whose last refresh failed (the endpoint
 * unreachable, a refusal that keeps the grant) is shown as such, with the time.
 */
export function statusBadge(v: ResourceView, attempts: ResourceAttempts[], locale: Locale, id?: string): Html {
  const token = attempts.find((a) => a.area === 'token');
  const failed = token && !token.last.ok ? token.last : undefined;
  const stale = failed !== undefined && v.status === 'Available';
  const cls = stale ? 'stale' : v.status;
  const text = stale
    ? t(STATUS_TEXT.staleBadge, locale, { status: v.status, action: actionOf(failed, locale) })
    : v.status;
  const title = token
    ? t(STATUS_TEXT.asOf, locale, { when: formatDateTime(token.last.at, locale), action: actionOf(token.last, locale) })
    : t(STATUS_TEXT.noAttempt, locale);
  return html`<span
    ${id ? html`id="${id}"` : ''}
    class="badge ${cls}"
    title="${title}${v.statusReason ? `: ${v.statusReason}` : ''}"
    >${text}</span
  >`;
}

/** One line per area: what was tried last, when, and its outcome; a failure with its fix as buttons. */
export function attemptLines(
  attempts: ResourceAttempts[],
  name: string,
  csrf: string,
  locale: Locale,
  now: number,
): Html {
  if (attempts.length === 0) {
    return html`<p class="attempt note" id="attempts">${t(STATUS_TEXT.noAttempts, locale)}</p>`;
  }
  return html`<div id="attempts">
    ${attempts.map((a) => {
      const l = a.last;
      const head = html`${t(STATUS_TEXT.attemptHead, locale, { area: t(AREA[a.area], locale) })}
      ${whenLong(l.at, locale, now)} (${actionOf(l, locale)}):`;
      if (l.ok) return html`<p class="attempt ok" id="attempt-${a.area}">${head} ${t(STATUS_TEXT.ok, locale)}</p>`;
      return html`<div class="attempt err" id="attempt-${a.area}">
        <p>
          ${head} <strong>${t(STATUS_TEXT.failed, locale)}</strong>: ${l.message ?? ''} (${l.code ?? ''})
          ${a.lastSuccessAt ? html` · ${t(STATUS_TEXT.lastSuccess, locale, { when: formatDateTime(a.lastSuccessAt, locale) })}` : ''}
        </p>
        ${fixLine({ code: l.code ?? '', hint: l.hint ?? '' }, name, csrf, locale)}
      </div>`;
    })}
  </div>`;
}

/**
 * The resource's history (store migration 15): every consent, refresh (a rotation said so),
 * check and test, newest first, failures with their code (AADSTS…) and message.
 */
export function historyTable(events: AttemptEvent[], locale: Locale, now: number): Html {
  const heading = html`<h2 id="history-heading">${t(STATUS_TEXT.history, locale)}</h2>`;
  if (events.length === 0)
    return html`${heading}
      <p class="note" id="history-empty">${t(STATUS_TEXT.historyEmpty, locale)}</p>`;
  return html`${heading}
    <table id="history" aria-labelledby="history-heading">
      <tr>
        <th>${t(STATUS_TEXT.hWhen, locale)}</th>
        <th>${t(STATUS_TEXT.hWhat, locale)}</th>
        <th>${t(STATUS_TEXT.hOutcome, locale)}</th>
        <th>${t(STATUS_TEXT.hCode, locale)}</th>
        <th>${t(STATUS_TEXT.hDetail, locale)}</th>
      </tr>
      ${events.map(
        (e) =>
          html`<tr class="event ${e.ok ? 'ok' : 'err'}" data-action="${e.rotated ? 'rotation' : e.action}">
            <td>${whenLong(e.at, locale, now)}</td>
            <td>${t(AREA[e.area], locale)}: ${actionOf(e, locale)}</td>
            <td>
              <span class="badge ${e.ok ? 'pass' : 'fail'}"
                >${t(e.ok ? STATUS_TEXT.ok : STATUS_TEXT.failed, locale)}</span
              >
            </td>
            <td>${e.code ? html`<code>${e.code}</code>` : ''}</td>
            <td>${e.message ?? ''}</td>
          </tr>`,
      )}
    </table>`;
}

/** The cached access token's expiry: the time in the viewer's zone and how long is left. */
export function expiry(at: number | undefined, locale: Locale, now: number): Html {
  if (at === undefined) return html`${t(STATUS_TEXT.none, locale)}`;
  if (at <= now) return html`${t(STATUS_TEXT.expired, locale, { when: formatDateTime(at, locale) })}`;
  // The relative part in its own element: console.js counts it down (server-rendered without it).
  const [before, after] = t(STATUS_TEXT.validUntil, locale, { when: formatDateTime(at, locale), left: '\u0000' }).split(
    '\u0000',
  );
  return html`<span class="countdown"
    >${before}<span data-relative="${String(at)}">${relativeTime(at, locale, now)}</span>${after}</span
  >`;
}

/**
 * The guide's field table as the console shows it: rows that do not apply to the resource's
 * Server type left out (an IMAP resource has no Outgoing rows), the secure connection values
 * said in full (the guide's SMTP "TLS" is STARTTLS), the Callback URL with exactly the
 * redirect URI a consent sends, and the labels in the viewer's language (the guide's Japanese).
 */
export function consoleFieldRows(
  rows: FieldRow[],
  r: Resource,
  sent: string | undefined,
  locale: Locale,
): { label: string; value: string | Html }[] {
  const receive = r.kind === 'imap' || r.kind === 'pop3';
  const send = r.kind === 'smtp';
  const out: { label: string; value: string | Html }[] = [];
  for (const row of rows) {
    if (receive && row.label.startsWith('Outgoing ')) continue;
    if (send && row.label.startsWith('Incoming ')) continue;
    const label = locale === 'ja' ? (FIELD_JA[row.label] ?? row.label) : row.label;
    if (row.label === 'Server type' && send) out.push({ label, value: t(STATUS_TEXT.smtpType, locale) });
    else if (row.label === 'Outgoing secure connection') out.push({ label, value: SECURE_OUT[row.value] ?? row.value });
    else if (row.label === 'Incoming secure connection') out.push({ label, value: SECURE_IN[row.value] ?? row.value });
    else if (row.label === 'Callback URL') {
      const [before, after] = t(sent ? STATUS_TEXT.sentAs : STATUS_TEXT.pasteBack, locale).split('{uri}');
      out.push({
        label,
        value: html`${row.value}<br /><small class="note"
            >${before}<code id="callback-sent">${sent ?? row.value}</code>${after}</small
          >`,
      });
    } else out.push({ label, value: row.value });
  }
  return out;
}

const SECURE_OUT: Record<string, string> = {
  TLS: 'TLS (STARTTLS)',
  SSL: 'SSL (implicit TLS)',
  None: 'None (plaintext)',
};
const SECURE_IN: Record<string, string> = { Yes: 'Yes (implicit TLS)' };

/** What an edit saved, or what a removal took with it, shown on the page the person lands on. */
export function changeNotice(
  q: { saved?: string; moved?: string; removed?: string; triggers?: string },
  csrf: string,
  locale: Locale,
  name?: string,
): Html {
  if (q.removed) {
    return html`<p class="ok" id="notice">
      ${
        q.triggers
          ? t(q.triggers.includes(',') ? STATUS_TEXT.removedWith : STATUS_TEXT.removedWithOne, locale, {
              name: q.removed,
              triggers: q.triggers.split(',').join(', '),
            })
          : t(STATUS_TEXT.removed, locale, { name: q.removed })
      }
    </p>`;
  }
  if (!q.saved || !name) return html``;
  const fields = q.saved === 'nothing' ? [] : q.saved.split(',');
  return html`<div class="ok" id="notice">
    <p>
      ${fields.length === 0 ? t(STATUS_TEXT.nothingChanged, locale) : t(STATUS_TEXT.notice, locale, { fields: fields.join(', ') })}
    </p>
    ${
      q.moved
        ? html`<div class="err" id="tokens-dropped">
            ${t(STATUS_TEXT.tokensDropped, locale, { fields: q.moved.split(',').join(', ') })}
            <form class="inline" method="post" action="/console/resources/${encodeURIComponent(name)}/connect">
              <input type="hidden" name="_csrf" value="${csrf}" /><button class="fix-connect">
                ${t(STATUS_TEXT.connectAgain, locale)}
              </button>
            </form>
          </div>`
        : ''
    }
  </div>`;
}

export const WARN_TEXT = messages('console.warnings', {
  ewsRetire: {
    en: 'Exchange Online turns EWS off by default from 2026-10-01 and shuts it down on 2027-04-01',
    ja: 'Exchange Online は 2026-10-01 から EWS を既定で無効にし、2027-04-01 に停止します',
  },
  ewsRetireFix: {
    en: 'plan a move to the Server type Microsoft Graph (same mailbox, Graph mail API)',
    ja: 'サーバタイプ Microsoft Graph (同じメールボックスを Graph のメール API で) への移行を計画してください',
  },
  v1Authorize: {
    en: "v1 Authorization URL with the v2 Access token URL (the guide's Exchange setup): accepted, the scope decides the token",
    ja: 'v1 の認証URL と v2 のアクセストークンURL の組み合わせ (ガイドの Exchange 設定): 使えますが、トークンはスコープで決まります',
  },
  v1AuthorizeFix: {
    en: 'prefer the v2 Authorization URL …/oauth2/v2.0/authorize',
    ja: 'v2 の認証URL …/oauth2/v2.0/authorize をお勧めします',
  },
  secretExpired: {
    en: 'the client secret expired on {date}',
    ja: 'クライアントシークレットは {date} に期限切れになりました',
  },
  secretExpires: {
    en: 'the client secret expires in {days} days ({date})',
    ja: 'クライアントシークレットの有効期限まであと {days} 日です ({date})',
  },
  secretFix: {
    en: 'create a new secret (Certificates & secrets) and store it with Edit → Client secret',
    ja: '「証明書とシークレット」で新しいシークレットを作成し、「編集」→ クライアントシークレットで保存してください',
  },
  idle: {
    en: 'the refresh token has not been used for {days} days; Microsoft expires it after 90 days unused',
    ja: 'リフレッシュ トークンが {days} 日間使われていません。Microsoft は 90 日間使われないリフレッシュ トークンを失効させます',
  },
  idleFix: {
    en: 'use it now: "Check the token now" refreshes it',
    ja: '今すぐ使ってください:「今すぐトークンを確認」で更新されます',
  },
  fix: { en: 'Fix: {hint}', ja: '対処: {hint}' },
});

const DAY_MS = 86_400_000;
/** Microsoft expires a refresh token after 90 days unused; the console warns from 75 on (as the CLI's status). */
export const RT_IDLE_WARN_DAYS = 75;

/** A warning in the viewer's language: the ones the console knows by their field, the rest as the CLI says them. */
export function warningText(
  w: ResourceWarning,
  r: Resource,
  locale: Locale,
  now: number,
): { message: string; hint: string } {
  if (w.field === 'kind' && r.kind === 'ews') {
    return { message: t(WARN_TEXT.ewsRetire, locale), hint: t(WARN_TEXT.ewsRetireFix, locale) };
  }
  if (w.field === 'oauth.authorizeUrl')
    return { message: t(WARN_TEXT.v1Authorize, locale), hint: t(WARN_TEXT.v1AuthorizeFix, locale) };
  if (w.field === 'oauth.secretExpiresAt' && r.oauth?.secretExpiresAt) {
    const date = r.oauth.secretExpiresAt;
    const days = Math.floor((Date.parse(date) - now) / DAY_MS);
    return {
      message: t(days < 0 ? WARN_TEXT.secretExpired : WARN_TEXT.secretExpires, locale, { date, days }),
      hint: t(WARN_TEXT.secretFix, locale),
    };
  }
  return { message: w.message, hint: w.hint };
}

/** Days a refresh token has not been used, when that is past the warning threshold (else undefined). */
export function idleDays(lastUse: number | undefined, now: number): number | undefined {
  if (lastUse === undefined) return undefined;
  const days = Math.floor((now - lastUse) / DAY_MS);
  return days > RT_IDLE_WARN_DAYS ? days : undefined;
}

/** The warnings as banners, each with its fix. */
export function warningBanners(items: { id: string; message: string; hint: string }[], locale: Locale): Html {
  if (items.length === 0) return html``;
  return html`<div id="warnings">
    ${items.map(
      (w) =>
        html`<div class="banner warn" role="status" data-warning="${w.id}">
          <strong>${w.message}</strong>${w.hint ? html`<br />${t(WARN_TEXT.fix, locale, { hint: w.hint })}` : ''}
        </div>`,
    )}
  </div>`;
}
