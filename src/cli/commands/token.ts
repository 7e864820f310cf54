import type { Command } from 'commander';
import type { TokenCheck, TokenManager, TokenStatusReport } from '../../auth/token-manager.js';
import type { OAuthFlow } from '../../config/resource.js';
import { statusText } from '../../config/status-text.js';
import { formatDateTime, type Locale, type Message, messages, relativeTime, t } from '../../i18n/index.js';
import type { CliContext } from '../context.js';

/** `mailbridge token status|refresh|revoke|print RESOURCE`. */
export function registerTokenCommand(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('see and manage the tokens of a resource');
  const manager = (): Promise<TokenManager> => ctx.tokens();
  const wantsJson = (o: { json?: boolean }): boolean => Boolean(o.json) || ctx.json();

  token.command('status')
    .description('refresh token status, why, access token expiry and early warnings')
    .argument('<resource>', 'resource name')
    .option('--check', 'ask the token endpoint now (a refresh) instead of trusting the stored status; exit 1 unless it works')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean; check?: boolean }) => {
      const m = await manager();
      const check = o.check ? await m.check(name) : undefined;
      const report = await m.status(name);
      if (wantsJson(o)) ctx.printJson({ ...statusJson(report), ...(check ? { check: { ...check, at: new Date(check.at).toISOString() } } : {}) });
      else ctx.print(formatStatus(report, Date.now(), ctx.locale, check));
      if (check && !check.ok) process.exitCode = 1;
    });

  token.command('refresh')
    .description('get a new access token now (also retries a resource whose status blocked it, after you fixed the cause)')
    .argument('<resource>', 'resource name')
    .option('--audience <url>', 'token for this resource (e.g. https://graph.microsoft.com) instead of the protocol\'s')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { audience?: string; json?: boolean }) => {
      const m = await manager();
      const t = await m.getAccessToken(name, { forceRefresh: true, retryBlocked: true, ...(o.audience ? { audience: o.audience } : {}) });
      const { status, flow } = await m.status(name);
      if (wantsJson(o)) ctx.printJson({ resource: name, status, audience: t.audience, expiresAt: new Date(t.expiresAt).toISOString(), scope: t.scope });
      else ctx.print(`${name}: ${tokenLabel(flow)} ${status}; access token for ${t.audience} valid until ${new Date(t.expiresAt).toISOString()}`);
    });

  token.command('revoke')
    .description('forget the resource\'s tokens locally (status becomes Missing)')
    .argument('<resource>', 'resource name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      await (await manager()).revoke(name);
      const note = 'Microsoft has no endpoint to revoke one refresh token: the grant stays valid there until it expires, ' +
        'unless the user\'s sessions are revoked (My Account > Sign out everywhere, or an admin with Revoke-MgUserSignInSession) or the app\'s consent is removed';
      if (wantsJson(o)) ctx.printJson({ resource: name, status: 'Missing', note });
      else ctx.print(`${name}: tokens forgotten locally; refresh token status Missing.\nnote: ${note}.`);
    });

  token.command('print')
    .description('show the access token (masked unless --reveal) and what it is for')
    .argument('<resource>', 'resource name')
    .option('--audience <url>', 'token for this resource instead of the protocol\'s')
    .option('--reveal', 'print the whole access token (it grants access to the mailbox: handle with care)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { audience?: string; reveal?: boolean; json?: boolean }) => {
      const t = await (await manager()).getAccessToken(name, o.audience ? { audience: o.audience } : {});
      if (o.reveal && !wantsJson(o)) {
        // Alone on stdout so it can be piped.
        ctx.print(t.token.reveal());
        return;
      }
      const { decodeAccessTokenClaims } = await import('../../auth/claims.js');
      const claims = decodeAccessTokenClaims(t.token);
      const out = {
        resource: name, audience: t.audience, expiresAt: new Date(t.expiresAt).toISOString(),
        token: o.reveal ? t.token.reveal() : t.token.masked(),
        claims: claims.jwt ? { aud: claims.aud, scp: claims.scp, roles: claims.roles, user: claims.user, tid: claims.tid, appid: claims.appid } : 'opaque token',
      };
      if (wantsJson(o)) { ctx.printJson(out); return; }
      ctx.print([
        `token     ${out.token} (use --reveal to print it)`,
        `audience  ${t.audience}`,
        `expires   ${out.expiresAt}`,
        ...(claims.jwt ? [
          `user      ${claims.user ?? '(app-only)'}`,
          claims.scp.length > 0 ? `scp       ${claims.scp.join(' ')}` : `roles     ${claims.roles.join(' ')}`,
        ] : []),
      ].join('\n'));
    });
}

function statusJson(r: TokenStatusReport): Record<string, unknown> {
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    ...r,
    accessTokens: r.accessTokens.map((a) => ({ ...a, expiresAt: iso(a.expiresAt) })),
    refreshTokenIssuedAt: iso(r.refreshTokenIssuedAt),
    refreshTokenLastUsedAt: iso(r.refreshTokenLastUsedAt),
  };
}

const m = messages('cli.token', {
  appOnly: { en: 'app-only token', ja: 'アプリのみのトークン' },
  refreshStatus: { en: 'refresh token status', ja: 'リフレッシュ トークンの状態' },
  resource: { en: 'resource', ja: 'リソース' },
  flow: { en: 'flow', ja: 'フロー' },
  status: { en: 'status', ja: '状態' },
  appOnlyNote: { en: ' (app-only token: client credentials, no refresh token)', ja: ' (アプリのみのトークン: クライアント資格情報フローで、リフレッシュ トークンはありません)' },
  checked: { en: 'checked', ja: '確認' },
  checkedOk: { en: '{at}: the token endpoint issued a new access token', ja: '{at}: トークン エンドポイントが新しいアクセス トークンを発行しました' },
  transient: { en: '; transient, status and tokens kept', ja: '。一時的な失敗のため、状態とトークンはそのままです' },
  reason: { en: 'reason', ja: '理由' },
  code: { en: 'code', ja: 'コード' },
  audience: { en: 'audience', ja: '対象 (aud)' },
  accessToken: { en: 'access token', ja: 'アクセス トークン' },
  noneCached: { en: 'none cached', ja: 'キャッシュなし' },
  validUntil: { en: 'valid until {at} ({left})', ja: '{at} まで有効 ({left})' },
  expired: { en: 'expired', ja: '期限切れ' },
  refreshToken: { en: 'refresh token', ja: 'リフレッシュ トークン' },
  issued: { en: 'issued {at}', ja: '発行 {at}' },
  lastUsed: { en: ', last used {at}', ja: '、最終使用 {at}' },
  warning: { en: 'warning', ja: '警告' },
});

/** Client credentials have no refresh token: their status is the app-only token's. */
export function tokenLabel(flow: OAuthFlow, locale: Locale = 'en'): string {
  return t(flow === 'client_credentials' ? m.appOnly : m.refreshStatus, locale);
}

/**
 * `token status` for a person. English keeps ISO times (scripts and tests read them); Japanese shows JST dates and
 * relative times (formatDateTime / relativeTime), and its labels are padded by terminal columns.
 */
function formatStatus(r: TokenStatusReport, now: number, l: Locale, check?: TokenCheck): string {
  const when = (ms: number): string => (l === 'en' ? new Date(ms).toISOString() : formatDateTime(ms, l));
  const labels = [m.resource, m.flow, m.status, m.checked, m.reason, m.code, m.audience, m.accessToken, m.refreshToken].map((x) => t(x, l));
  const width = Math.max(15, ...labels.map((x) => columns(x) + 1));
  const row = (label: Message, value: string): string => {
    const text = t(label, l);
    return `${text}${' '.repeat(Math.max(1, width - columns(text)))}${value}`;
  };
  const lines = [
    row(m.resource, r.resource),
    row(m.flow, r.flow),
    row(m.status, `${statusText(r.status, l)}${r.flow === 'client_credentials' ? t(m.appOnlyNote, l) : ''}`),
  ];
  if (check) {
    const at = when(check.at);
    lines.push(row(m.checked, check.ok
      ? t(m.checkedOk, l, { at })
      : `${at}: ${check.error?.message ?? 'failed'} (${check.error?.code ?? '?'})` +
        `${check.transient ? t(m.transient, l) : ''}. Fix: ${check.error?.hint ?? ''}`));
  }
  if (r.reason) lines.push(row(m.reason, r.reason));
  if (r.code) lines.push(row(m.code, r.code));
  lines.push(row(m.audience, r.audience));
  if (r.accessTokens.length === 0) lines.push(row(m.accessToken, t(m.noneCached, l)));
  for (const a of r.accessTokens) {
    const left = l === 'en' ? `${Math.round((a.expiresAt - now) / 60_000)} min` : relativeTime(a.expiresAt, l, now);
    lines.push(row(m.accessToken, `${a.audience}: ${a.expiresAt > now ? t(m.validUntil, l, { at: when(a.expiresAt), left }) : t(m.expired, l)}`));
  }
  if (r.refreshTokenIssuedAt !== undefined) lines.push(row(m.refreshToken, t(m.issued, l, { at: when(r.refreshTokenIssuedAt) }) +
    (r.refreshTokenLastUsedAt !== undefined ? t(m.lastUsed, l, { at: when(r.refreshTokenLastUsedAt) }) : '')));
  for (const w of r.warnings) lines.push(`${t(m.warning, l)}: ${w}`);
  return lines.join('\n');
}

/** Terminal columns of a label: Japanese characters take two (see the table of `resource list`). */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return n;
}
