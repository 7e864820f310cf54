import type { FastifyInstance } from 'fastify';
import type { Resource } from '../../config/resource.js';
import { resourceWarnings } from '../../config/warnings.js';
import { formatDateTime, messages, t, type Locale } from '../../i18n/index.js';
import { resourceView, type ResourceView } from '../../services/resources.js';
import type { ResourceAttempts } from '../../store/attempts.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { changeNotice, expiry, idleDays, statusBadge, warningText, when, WARN_TEXT } from './resource-status.js';

export const DASHBOARD_TEXT = messages('console.dashboard', {
  title: { en: 'Dashboard', ja: 'ダッシュボード' },
  attention: { en: 'Needs attention', ja: '対応が必要な項目' },
  allGood: { en: 'Nothing needs a person right now.', ja: '今すぐ対応が必要な項目はありません。' },
  consent: {
    en: '{name}: refresh token status {status}: a person must sign in and consent again',
    ja: '{name}: リフレッシュ トークンの状態が {status} です。もう一度サインインして同意する必要があります',
  },
  invalidClient: {
    en: '{name}: the client secret or certificate was refused (InvalidClient)',
    ja: '{name}: クライアントシークレットまたは証明書が拒否されました (InvalidClient)',
  },
  storeSecret: { en: 'Store the client secret again', ja: 'クライアントシークレットを保存し直す' },
  connect: { en: 'Connect', ja: '接続' },
  open: { en: 'Open', ja: '開く' },
  check: { en: 'Check the token now', ja: '今すぐトークンを確認' },
  deadLetters: {
    en: 'Trigger {name}: {count} dead letters (messages it gave up on)',
    ja: 'トリガー {name}: デッドレター {count} 件 (配信をあきらめたメッセージ)',
  },
  replay: { en: 'See and replay', ja: '確認して再送' },
  gatewayDead: {
    en: 'Gateway: {count} messages could not be relayed (last {when}: {status} {reason})',
    ja: 'ゲートウェイ: {count} 件のメッセージを中継できませんでした (最新 {when}: {status} {reason})',
  },
  gateway: { en: 'Gateway', ja: 'ゲートウェイ' },
  resources: { en: 'Resources', ja: 'リソース' },
  noResources: { en: 'No resources yet.', ja: 'リソースはまだありません。' },
  add: { en: 'Add a resource', ja: 'リソースを追加' },
  allResources: { en: 'All resources', ja: 'すべてのリソース' },
  hName: { en: 'Name', ja: 'リソース名' },
  hKind: { en: 'Server type', ja: 'サーバタイプ' },
  hStatus: { en: 'Refresh token status', ja: 'OAuthリフレッシュトークンステータス' },
  hLastSuccess: { en: 'Last success', ja: '最後の成功' },
  hAccess: { en: 'Access token', ja: 'アクセストークン' },
  never: { en: 'never', ja: 'なし' },
  warning: { en: '{name}: {message}', ja: '{name}: {message}' },
});

/** Refresh token states only a person can leave: sign in and consent again (Connect). */
const NEEDS_CONSENT = new Set(['Missing', 'Expired', 'Revoked', 'ConsentRequired']);

interface Row {
  resource: Resource;
  view: ResourceView;
  attempts: ResourceAttempts[];
  lastUse?: number | undefined;
}

interface Attention {
  id: string;
  text: string;
  actions: Html;
  severity: 'err' | 'warn';
}

/**
 * The console's first page: every resource's status at a glance, and above it what needs a
 * person (a consent, a secret about to expire, a refresh token idle for long, dead letters,
 * relays the gateway gave up on), each with the button or link that fixes it.
 */
export function dashboardPage(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  app.get<{ Querystring: { removed?: string; triggers?: string } }>('/', kit.get, async (req, reply) => {
    const now = ctx.now();
    const rows: Row[] = await Promise.all(
      (await ctx.store.listResources()).map(async (resource) => {
        const state = await ctx.store.getTokenState(resource.name);
        return {
          resource,
          view: await resourceView(ctx.store, resource),
          attempts: await ctx.store.listAttempts(resource.name),
          lastUse: state?.refreshToken ? (state.refreshTokenLastUsedAt ?? state.refreshTokenIssuedAt) : undefined,
        };
      }),
    );
    const dead = await Promise.all(
      (await ctx.store.listTriggers()).map(async (tr) => ({
        name: tr.definition.name,
        count: (await ctx.store.listDeliveries(tr.definition.name, { status: 'dead', limit: 100 })).length,
      })),
    );
    const gatewayDead = await ctx.store.listGatewayDeadLetters(100);
    return kit.page(reply, t(DASHBOARD_TEXT.title, kit.locale(req)), (csrf, locale) => {
      const items = attention(rows, dead, gatewayDead, csrf, locale, now);
      return html`${changeNotice(req.query, csrf, locale)}
        <section id="attention" aria-labelledby="attention-heading">
          <h2 id="attention-heading">${t(DASHBOARD_TEXT.attention, locale)}</h2>
          ${
            items.length === 0
              ? html`<p class="ok" id="all-good">${t(DASHBOARD_TEXT.allGood, locale)}</p>`
              : html`<ul class="attention">
                  ${items.map(
                    (a) =>
                      html`<li class="banner ${a.severity}" data-attention="${a.id}">
                        <span>${a.text}</span> ${a.actions}
                      </li>`,
                  )}
                </ul>`
          }
        </section>
        <section aria-labelledby="overview-heading">
          <h2 id="overview-heading">${t(DASHBOARD_TEXT.resources, locale)}</h2>
          ${overview(rows, locale, now)}
          <p>
            <a href="/console/resources" id="all-resources">${t(DASHBOARD_TEXT.allResources, locale)}</a> ·
            <a href="/console/resources/new" id="add-resource">${t(DASHBOARD_TEXT.add, locale)}</a>
          </p>
        </section>`;
    });
  });
}

function attention(
  rows: Row[],
  dead: { name: string; count: number }[],
  gatewayDead: { createdAt: number; status: string; reason: string }[],
  csrf: string,
  locale: Locale,
  now: number,
): Attention[] {
  const out: Attention[] = [];
  const post = (path: string, label: string, cls: string) =>
    html`<form class="inline" method="post" action="${path}">
      <input type="hidden" name="_csrf" value="${csrf}" /><button class="${cls}">${label}</button>
    </form>`;
  for (const { resource: r, view: v, lastUse } of rows) {
    const enc = encodeURIComponent(r.name);
    const page = `/console/resources/${enc}`;
    if (r.oauth && r.oauth.flow !== 'client_credentials' && NEEDS_CONSENT.has(v.status)) {
      out.push({
        id: `consent-${r.name}`,
        severity: 'err',
        text: t(DASHBOARD_TEXT.consent, locale, { name: r.name, status: v.status }),
        actions: html`${post(`${page}/connect`, t(DASHBOARD_TEXT.connect, locale), 'fix-connect')}
          <a href="${page}">${t(DASHBOARD_TEXT.open, locale)}</a>`,
      });
    } else if (v.status === 'InvalidClient') {
      out.push({
        id: `secret-${r.name}`,
        severity: 'err',
        text: t(DASHBOARD_TEXT.invalidClient, locale, { name: r.name }),
        actions: html`<a class="fix-secret" href="${page}/edit#f-clientSecret"
          >${t(DASHBOARD_TEXT.storeSecret, locale)}</a
        >`,
      });
    }
    for (const w of resourceWarnings(r, { now })) {
      if (w.field !== 'oauth.secretExpiresAt') continue;
      out.push({
        id: `secret-expiry-${r.name}`,
        severity: 'warn',
        text: t(DASHBOARD_TEXT.warning, locale, { name: r.name, message: warningText(w, r, locale, now).message }),
        actions: html`<a class="fix-secret" href="${page}/edit#f-clientSecret"
          >${t(DASHBOARD_TEXT.storeSecret, locale)}</a
        >`,
      });
    }
    const idle = v.status === 'Available' ? idleDays(lastUse, now) : undefined;
    if (idle !== undefined) {
      out.push({
        id: `idle-${r.name}`,
        severity: 'warn',
        text: t(DASHBOARD_TEXT.warning, locale, { name: r.name, message: t(WARN_TEXT.idle, locale, { days: idle }) }),
        actions: post(`${page}/check`, t(DASHBOARD_TEXT.check, locale), 'fix-check'),
      });
    }
  }
  for (const d of dead) {
    if (d.count === 0) continue;
    out.push({
      id: `dead-${d.name}`,
      severity: 'err',
      text: t(DASHBOARD_TEXT.deadLetters, locale, { name: d.name, count: d.count >= 100 ? '100+' : d.count }),
      actions: html`<a href="/console/triggers#trigger-${d.name}">${t(DASHBOARD_TEXT.replay, locale)}</a>`,
    });
  }
  const last = gatewayDead[0];
  if (last) {
    out.push({
      id: 'gateway-dead',
      severity: 'err',
      text: t(DASHBOARD_TEXT.gatewayDead, locale, {
        count: gatewayDead.length >= 100 ? '100+' : gatewayDead.length,
        when: formatDateTime(last.createdAt, locale),
        status: last.status,
        reason: last.reason,
      }),
      actions: html`<a href="/console/gateway">${t(DASHBOARD_TEXT.gateway, locale)}</a>`,
    });
  }
  // Consents first (nothing works until a person signs in), then the rest in the order found.
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'err' ? -1 : 1));
}

function overview(rows: Row[], locale: Locale, now: number): Html {
  if (rows.length === 0) return html`<p id="no-resources">${t(DASHBOARD_TEXT.noResources, locale)}</p>`;
  return html`<table id="overview">
    <tr>
      <th scope="col">${t(DASHBOARD_TEXT.hName, locale)}</th>
      <th scope="col">${t(DASHBOARD_TEXT.hKind, locale)}</th>
      <th scope="col">${t(DASHBOARD_TEXT.hStatus, locale)}</th>
      <th scope="col">${t(DASHBOARD_TEXT.hLastSuccess, locale)}</th>
      <th scope="col">${t(DASHBOARD_TEXT.hAccess, locale)}</th>
    </tr>
    ${rows.map(({ view: v, attempts }) => {
      const success = attempts.find((a) => a.area === 'token')?.lastSuccessAt;
      return html`<tr data-resource="${v.name}">
        <td><a href="/console/resources/${encodeURIComponent(v.name)}">${v.name}</a></td>
        <td>${v.kind.toUpperCase()}</td>
        <td>${statusBadge(v, attempts, locale)}</td>
        <td class="last-success">
          ${success !== undefined ? when(success, locale, now) : t(DASHBOARD_TEXT.never, locale)}
        </td>
        <td>${expiry(v.accessTokenExpiresAt, locale, now)}</td>
      </tr>`;
    })}
  </table>`;
}
