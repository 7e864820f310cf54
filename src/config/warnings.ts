import { type Locale, messages, t } from '../i18n/index.js';
import { isLoopbackHost } from './loopback.js';
import { CLOUD_HOSTS } from './clouds.js';
import type { Resource } from './resource.js';
import { graphSendScope, scopeHasGraphSend } from './graph-fallback.js';
import { endpointVersion, hasOfflineAccess, scopeResources } from './scopes.js';

/** Something that works but will probably bite: shown, never fatal. */
export interface ResourceWarning { field: string; message: string; hint: string }

const DAY_MS = 86_400_000;
/** Warn this long before a client secret expires: renewing needs an admin and a redeploy. */
const SECRET_EXPIRY_NOTICE_DAYS = 30;

/** The warnings' texts in both languages (the CLI shows them in LANG's language, the console in the viewer's). */
const m = messages('warnings', {
  offlineAccess: { en: 'offline_access is missing: no refresh token will be issued, so every hour needs a person', ja: 'offline_access がありません。リフレッシュ トークンが発行されないため、1 時間ごとに人がサインインする必要があります' },
  offlineAccessFix: { en: 'add offline_access to the scope', ja: 'スコープに offline_access を加えてください' },
  graphFallback: { en: 'the Graph fallback needs {scope} in the scope, or Graph refuses the token (AADSTS65001)', ja: 'Graph フォールバックにはスコープに {scope} が必要です。ないと Graph がトークンを拒否します (AADSTS65001)' },
  graphFallbackFix: { en: 'run `mailbridge resource edit {name} --graph-fallback` (adds it), then `mailbridge auth {name}`', ja: '`mailbridge resource edit {name} --graph-fallback` を実行し (スコープに加わります)、次に `mailbridge auth {name}` を実行してください' },
  manyResources: { en: 'the scope names several resources ({resources}; bare names are Graph\'s): consent covers all, but each token is for the first, {first}', ja: 'スコープに複数のリソースがあります ({resources}。修飾なしの名前は Graph のものです)。同意はすべてに及びますが、トークンは最初の {first} 向けになります' },
  manyResourcesFix: { en: 'keep one resource per mail resource, written fully qualified', ja: 'メールのリソースごとに 1 つのリソースを、完全修飾で書いてください' },
  v1Authorize: { en: 'v1 authorize URL with the v2 token URL (the guide\'s Exchange setup): accepted, the scope decides the token', ja: 'v1 の承認 URL と v2 のトークン URL の組み合わせです (ガイドの Exchange の設定)。使えますが、トークンはスコープで決まります' },
  v1AuthorizeFix: { en: 'prefer the v2 authorize URL …/oauth2/v2.0/authorize', ja: 'v2 の承認 URL (…/oauth2/v2.0/authorize) をおすすめします' },
  secretExpired: { en: 'the client secret expired on {date}', ja: 'クライアント シークレットの有効期限は {date} に切れています' },
  secretExpiredFix: { en: 'create a new secret (Certificates & secrets) and run `mailbridge resource edit {name} --client-secret-stdin`', ja: '新しいシークレットを作成し (「証明書とシークレット」)、`mailbridge resource edit {name} --client-secret-stdin` を実行してください' },
  secretExpires: { en: 'the client secret expires in {days} days ({date})', ja: 'クライアント シークレットはあと {days} 日で有効期限が切れます ({date})' },
  secretExpiresDay: { en: 'the client secret expires within a day ({date})', ja: 'クライアント シークレットは 1 日以内に有効期限が切れます ({date})' },
  secretExpiresFix: { en: 'create a new secret now and update it with `mailbridge resource edit {name} --client-secret-stdin`', ja: '今のうちに新しいシークレットを作成し、`mailbridge resource edit {name} --client-secret-stdin` で更新してください' },
  formPost: { en: 'form_post sends the code in a POST body, which a pasted redirect URL cannot carry', ja: 'form_post はコードを POST の本文で送るため、貼り付けたリダイレクト URL では受け取れません' },
  formPostFix: { en: 'use --response-mode query, or a loopback callback with a port (http://localhost:8400, any free port) that mailbridge listens on', ja: '--response-mode query にするか、mailbridge が待ち受けるポート付きのループバックのコールバック (http://localhost:8400 など空いているポート) を使ってください' },
  noUser: { en: 'no user: XOAUTH2 needs the mailbox address', ja: 'ユーザーがありません。XOAUTH2 にはメールボックスのアドレスが必要です' },
  noUserFix: { en: 'give --user alice@contoso.onmicrosoft.com', ja: '--user alice@contoso.onmicrosoft.com のように指定してください' },
  noFrom: { en: 'no From address', ja: '差出人アドレスがありません' },
  noFromFix: { en: 'give --from (the guide sets it to the user\'s address)', ja: '--from を指定してください (ガイドではユーザーのアドレスにします)' },
  ewsRetirement: { en: 'Exchange Online turns EWS off by default from 2026-10-01 and shuts it down on 2027-04-01', ja: 'Exchange Online では 2026-10-01 から EWS が既定で無効になり、2027-04-01 に廃止されます' },
  ewsRetirementFix: { en: 'plan a move to --kind graph (same mailbox, Graph mail API)', ja: '--kind graph (同じメールボックスを Graph のメール API で) への移行を計画してください' },
});

/** Warnings about a valid resource (parseResource has already accepted it), in `opts.locale` (English by default). */
export function resourceWarnings(r: Resource, opts: { now?: number; locale?: Locale } = {}): ResourceWarning[] {
  const now = opts.now ?? Date.now();
  const l = opts.locale ?? 'en';
  const out: ResourceWarning[] = [];
  const o = r.oauth;
  const microsoftV2 = o !== undefined && endpointVersion(o.tokenUrl) === 'v2';
  if (o && microsoftV2 && o.flow !== 'client_credentials' && !hasOfflineAccess(o.scope)) {
    out.push({
      field: 'oauth.scope',
      message: t(m.offlineAccess, l),
      hint: t(m.offlineAccessFix, l),
    });
  }
  if (o && o.flow !== 'client_credentials') {
    const graph = `https://${CLOUD_HOSTS[r.cloud ?? 'global'].graph}`;
    const resources = scopeResources(o.scope, microsoftV2 ? graph : undefined);
    // The Graph fallback needs Graph's Mail.Send beside the mail scope: that second resource is meant.
    const meant = r.graphFallback !== undefined && resources.slice(1).every((x) => x === graph);
    if (r.graphFallback && microsoftV2 && !scopeHasGraphSend(o.scope, r.cloud)) {
      out.push({
        field: 'oauth.scope',
        message: t(m.graphFallback, l, { scope: graphSendScope(r.cloud) }),
        hint: t(m.graphFallbackFix, l, { name: r.name }),
      });
    }
    if (resources.length > 1 && !meant) {
      out.push({
        field: 'oauth.scope',
        message: t(m.manyResources, l, { resources: resources.join(', '), first: resources[0] ?? '' }),
        hint: t(m.manyResourcesFix, l),
      });
    }
  }
  if (o && endpointVersion(o.authorizeUrl) === 'v1' && endpointVersion(o.tokenUrl) === 'v2') {
    out.push({
      field: 'oauth.authorizeUrl',
      message: t(m.v1Authorize, l),
      hint: t(m.v1AuthorizeFix, l),
    });
  }
  if (o?.secretExpiresAt) {
    const days = Math.floor((Date.parse(o.secretExpiresAt) - now) / DAY_MS);
    if (days < 0) {
      out.push({ field: 'oauth.secretExpiresAt', message: t(m.secretExpired, l, { date: o.secretExpiresAt }), hint: t(m.secretExpiredFix, l, { name: r.name }) });
    } else if (days <= SECRET_EXPIRY_NOTICE_DAYS) {
      out.push({ field: 'oauth.secretExpiresAt', message: days <= 1 ? t(m.secretExpiresDay, l, { date: o.secretExpiresAt }) : t(m.secretExpires, l, { days, date: o.secretExpiresAt }), hint: t(m.secretExpiresFix, l, { name: r.name }) });
    }
  }
  if (o?.responseMode === 'form_post') {
    const cb = new URL(o.callbackUrl);
    if (!(cb.protocol === 'http:' && isLoopbackHost(cb.hostname) && cb.port)) {
      out.push({
        field: 'oauth.responseMode',
        message: t(m.formPost, l),
        hint: t(m.formPostFix, l),
      });
    }
  }
  if ((r.kind === 'imap' || r.kind === 'pop3' || r.kind === 'smtp') && r.authType === 'oauth2' && !r.user) {
    out.push({ field: 'user', message: t(m.noUser, l), hint: t(m.noUserFix, l) });
  }
  if (r.kind === 'smtp' && !r.from) {
    out.push({ field: 'from', message: t(m.noFrom, l), hint: t(m.noFromFix, l) });
  }
  if (r.kind === 'ews' && (r.preset === 'm365' || isExchangeOnlineEws(r))) {
    out.push({
      field: 'kind',
      message: t(m.ewsRetirement, l),
      hint: t(m.ewsRetirementFix, l),
    });
  }
  return out;
}

/**
 * Is this EWS resource on Exchange Online (outlook.office365.com and its national clouds)?
 * There, EWS is off by default from 2026-10-01 for apps not allow-listed and gone on 2027-04-01;
 * Exchange Server on-premises keeps it.
 * https://techcommunity.microsoft.com/blog/exchange/retirement-of-exchange-web-services-in-exchange-online/3924440
 */
export function isExchangeOnlineEws(r: Resource): boolean {
  if (r.kind !== 'ews') return false;
  let host: string;
  try {
    host = new URL(r.server.host).hostname.toLowerCase();
  } catch {
    return false;
  }
  return Object.values(CLOUD_HOSTS).some((c) => host === c.outlook) || host === 'outlook.office.com' || host.endsWith('.outlook.com');
}
