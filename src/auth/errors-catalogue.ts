import type { RefreshTokenStatus } from '../config/resource.js';
import { messages, type Message } from '../i18n/index.js';

/**
 * AADSTS codes a mail integration meets, each with a plain message, the fix, and what the
 * failure means for the stored refresh token when it comes back from a refresh.
 *
 * Status decisions (why, in short):
 * - `Expired`: the refresh token aged out (inactivity 700082, 70008, sign-in frequency
 *   70043, SPA 24 h 700084). A new consent is the only way back.
 * - `Revoked`: the grant was withdrawn (50173 tokens revoked, 70000 token not valid, user
 *   disabled 50057, password expired 50055). Same fix, different cause worth showing.
 * - `ConsentRequired`: a person has to go through an interactive sign-in: missing consent
 *   (65001, 65004), MFA (50076, 50079), and Conditional Access blocks (53003). We put CA
 *   here rather than Revoked because the token itself is fine: the interactive sign-in
 *   from a compliant place/device is what clears it, and the hint says to ask the admin.
 * - `InvalidClient`: the app registration or its credential is wrong (secret wrong or
 *   expired, app not found, public client with a secret, no credential). It is an app-level
 *   problem: every resource of that app shows it, and re-consenting does not help.
 * - `unchanged`: the request was wrong (bad scope, resource, tenant, redirect URI,
 *   malformed request) or the failure is transient (throttling, loop detection). The
 *   stored refresh token is still good; fix the resource or wait, and it works again.
 *   This is what keeps healthy tokens from being parked (peers.md pain point 3).
 */
export type StatusEffect = RefreshTokenStatus | 'unchanged';

/** One AADSTS error code of the catalogue: its meaning, the fix, and what it does to the refresh token status. */
export interface AadstsEntry {
  /** `AADSTS700082` */
  code: string;
  /** Microsoft's name for it. */
  name: string;
  message: string;
  hint: string;
  /** What a refresh failing with this code does to the refresh token status. */
  onRefresh: StatusEffect;
  /** Worth retrying later without any change (throttling, loops). */
  transient?: boolean;
}

const REAUTH = 'run `mailbridge auth RESOURCE` to sign in and consent again';

const ENTRIES: AadstsEntry[] = [
  { code: 'AADSTS50011', name: 'InvalidReplyTo', onRefresh: 'unchanged',
    message: 'the redirect URI does not match any reply URL registered for the app',
    hint: 'register the exact callback URL (e.g. https://localhost) under Authentication > Redirect URIs of the app, or set the resource callback URL to a registered one' },
  { code: 'AADSTS50055', name: 'InvalidPasswordExpiredPassword', onRefresh: 'Revoked',
    message: "the user's password has expired", hint: `reset the password, then ${REAUTH}` },
  { code: 'AADSTS50057', name: 'UserDisabled', onRefresh: 'Revoked',
    message: 'the user account is disabled', hint: `ask an administrator to enable the account, then ${REAUTH}` },
  { code: 'AADSTS50058', name: 'UserInformationNotProvided', onRefresh: 'ConsentRequired',
    message: 'a silent sign-in was not possible (no session)', hint: REAUTH },
  { code: 'AADSTS50076', name: 'UserStrongAuthClientAuthNRequired', onRefresh: 'ConsentRequired',
    message: 'multi-factor authentication is required (Conditional Access, per-user MFA or a new location)',
    hint: `${REAUTH} and complete the MFA prompt` },
  { code: 'AADSTS50079', name: 'UserStrongAuthEnrollmentRequired', onRefresh: 'ConsentRequired',
    message: 'the user must register for multi-factor authentication',
    hint: `${REAUTH}; register the security info when asked (https://aka.ms/mysecurityinfo)` },
  { code: 'AADSTS50126', name: 'InvalidUserNameOrPassword', onRefresh: 'unchanged',
    message: 'the user name or password is wrong', hint: 'sign in again with the right user name and password' },
  { code: 'AADSTS50173', name: 'FreshTokenNeeded', onRefresh: 'Revoked',
    message: 'the refresh token was revoked (an admin or the user revoked sessions, or the password changed)',
    hint: REAUTH },
  { code: 'AADSTS50196', name: 'LoopDetected', onRefresh: 'unchanged', transient: true,
    message: 'Microsoft saw too many identical token requests', hint: 'wait a minute; mailbridge caches tokens, so check that no other tool shares this app in a loop' },
  { code: 'AADSTS53003', name: 'BlockedByConditionalAccess', onRefresh: 'ConsentRequired',
    message: 'a Conditional Access policy blocked the sign-in',
    hint: 'ask the tenant administrator which policy applies (Entra sign-in logs, by correlation id), then sign in from a compliant device/location with `mailbridge auth RESOURCE`' },
  { code: 'AADSTS54005', name: 'AuthorizationCodeAlreadyRedeemed', onRefresh: 'unchanged',
    message: 'the authorization code was already redeemed', hint: 'codes work once: run `mailbridge auth RESOURCE` again for a new one' },
  { code: 'AADSTS65001', name: 'DelegationDoesNotExist', onRefresh: 'ConsentRequired',
    message: 'the user or an administrator has not consented to the permissions the app asks for',
    hint: `${REAUTH} and accept the consent page, or have an administrator grant consent for the tenant` },
  { code: 'AADSTS65004', name: 'UserDeclinedConsent', onRefresh: 'ConsentRequired',
    message: 'the user declined to consent', hint: `${REAUTH} and accept the permissions` },
  { code: 'AADSTS70000', name: 'InvalidGrant', onRefresh: 'Revoked',
    message: 'the grant (refresh token or authorization code) is not valid', hint: REAUTH },
  { code: 'AADSTS70002', name: 'InvalidClient', onRefresh: 'InvalidClient',
    message: 'the client credentials are not valid', hint: 'check the client id and client secret of the resource' },
  { code: 'AADSTS70008', name: 'ExpiredOrRevokedGrant', onRefresh: 'Expired',
    message: 'the refresh token or authorization code has expired', hint: REAUTH },
  { code: 'AADSTS70011', name: 'InvalidScope', onRefresh: 'unchanged',
    message: 'the scope is not valid (unknown, or mixing resources in one token request)',
    hint: 'use scopes of one resource per token, fully qualified, e.g. `https://outlook.office365.com/IMAP.AccessAsUser.All offline_access`' },
  { code: 'AADSTS70016', name: 'AuthorizationPending', onRefresh: 'unchanged', transient: true,
    message: 'the user has not finished the device sign-in yet', hint: 'finish the sign-in on the device login page' },
  { code: 'AADSTS70019', name: 'CodeExpired', onRefresh: 'unchanged',
    message: 'the device code expired before the sign-in was finished', hint: 'run `mailbridge auth RESOURCE --device` again and finish within 15 minutes' },
  { code: 'AADSTS70043', name: 'BadTokenDueToSignInFrequency', onRefresh: 'Expired',
    message: 'a Conditional Access sign-in frequency policy ended the session', hint: `${REAUTH}; the policy decides how often` },
  { code: 'AADSTS700016', name: 'UnauthorizedClient_DoesNotMatchRequest', onRefresh: 'InvalidClient',
    message: 'the application (client id) was not found in the tenant',
    hint: 'check the client id and the tenant id of the resource (App registrations > Overview)' },
  { code: 'AADSTS700025', name: 'InvalidClientPublicClientWithCredential', onRefresh: 'InvalidClient',
    message: 'a public client sent a client secret or assertion',
    hint: 'set the resource client authentication to none, or turn off "Allow public client flows" for a confidential app' },
  { code: 'AADSTS700027', name: 'InvalidClientAssertionSignature', onRefresh: 'InvalidClient',
    message: 'the client assertion failed signature validation',
    hint: 'upload the certificate matching the resource key file under Certificates & secrets' },
  { code: 'AADSTS700082', name: 'ExpiredOrRevokedGrantInactiveToken', onRefresh: 'Expired',
    message: 'the refresh token expired after 90 days without use', hint: REAUTH },
  { code: 'AADSTS700084', name: 'SpaRefreshTokenExpired', onRefresh: 'Expired',
    message: 'the single-page-app refresh token reached its 24 hour lifetime',
    hint: `register the callback under the Web platform rather than SPA, then ${REAUTH}` },
  { code: 'AADSTS7000215', name: 'InvalidClientSecretProvided', onRefresh: 'InvalidClient',
    message: 'the client secret is not valid',
    hint: 'store the secret *Value* from Certificates & secrets, not the Secret ID' },
  { code: 'AADSTS7000218', name: 'MissingClientCredential', onRefresh: 'InvalidClient',
    message: 'the request has no client_secret or client_assertion',
    hint: 'store the client secret of the resource, or enable "Allow public client flows" for device code' },
  { code: 'AADSTS7000222', name: 'InvalidClientSecretExpiredKeysProvided', onRefresh: 'InvalidClient',
    message: 'the client secret has expired',
    hint: 'create a new client secret under Certificates & secrets and store it in the resource (or switch to a certificate)' },
  { code: 'AADSTS90002', name: 'InvalidTenantName', onRefresh: 'unchanged',
    message: 'the tenant was not found', hint: 'check the tenant id or domain in the authorize/token URLs and the cloud (global, GCC High, China)' },
  { code: 'AADSTS90055', name: 'TenantThrottlingError', onRefresh: 'unchanged', transient: true,
    message: 'the tenant is being throttled', hint: 'wait and retry; reduce token requests' },
  { code: 'AADSTS500011', name: 'InvalidResourceServicePrincipalNotFound', onRefresh: 'unchanged',
    message: 'the resource in the scope was not found in the tenant',
    hint: 'check the scope resource URL (e.g. https://outlook.office365.com) for typos, and that the tenant has Exchange Online' },
  { code: 'AADSTS501481', name: 'InvalidCodeVerifier', onRefresh: 'unchanged',
    message: 'the PKCE code verifier does not match the code challenge', hint: 'run `mailbridge auth RESOURCE` again' },
  { code: 'AADSTS9002313', name: 'InvalidRequest', onRefresh: 'unchanged',
    message: 'the request was malformed or invalid', hint: 'check the resource URLs and parameters (run with MAILBRIDGE_LOG=debug)' },
  { code: 'AADSTS900144', name: 'MissingRequiredParameter', onRefresh: 'unchanged',
    message: 'the request lacks a required parameter', hint: 'check the resource scope, client id and URLs' },
  { code: 'AADSTS901002', name: 'ResourceParameterNotSupported', onRefresh: 'unchanged',
    message: "the v2.0 endpoint does not accept the 'resource' parameter",
    hint: 'use a v2 URL with `scope`, or a v1 URL (without /v2.0) with `resource`' },
];

/**
 * The catalogue in Japanese, `[message, hint]` by code (the seed guide's and Microsoft's Japanese terms). Like the
 * error codes' Japanese (errors/codes-ja.ts) they name no resource: the English message shown beside them does.
 */
const JA: Record<string, readonly [message: string, hint: string]> = {
  AADSTS50011: ['リダイレクト URI がアプリに登録された応答 URL のどれとも一致しません', 'アプリの「認証」>「リダイレクト URI」に正確なコールバック URL (例: https://localhost) を登録するか、リソースのコールバック URL を登録済みのものにしてください'],
  AADSTS50055: ['ユーザーのパスワードの有効期限が切れています', 'パスワードをリセットしてから、リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください'],
  AADSTS50057: ['ユーザー アカウントが無効になっています', '管理者にアカウントを有効にしてもらってから、`mailbridge auth` でサインインと同意をやり直してください'],
  AADSTS50058: ['サイレント サインインができませんでした (セッションがありません)', 'リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください'],
  AADSTS50076: ['多要素認証が必要です (条件付きアクセス、ユーザーごとの MFA、新しい場所)', '`mailbridge auth` でサインインし直し、多要素認証を完了してください'],
  AADSTS50079: ['ユーザーは多要素認証の登録が必要です', '`mailbridge auth` でサインインし直し、求められたらセキュリティ情報を登録してください (https://aka.ms/mysecurityinfo)'],
  AADSTS50126: ['ユーザー名またはパスワードが間違っています', '正しいユーザー名とパスワードでもう一度サインインしてください'],
  AADSTS50173: ['リフレッシュ トークンが取り消されました (管理者またはユーザーがセッションを取り消したか、パスワードが変更されました)', 'リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください'],
  AADSTS50196: ['同じトークン要求が多すぎます (ループの検出)', '1 分待ってください。mailbridge はトークンをキャッシュするので、同じアプリを使う別のツールがループしていないか確認してください'],
  AADSTS53003: ['条件付きアクセス ポリシーがサインインをブロックしました', 'テナントの管理者にどのポリシーが適用されたかを確認してもらい (Entra のサインイン ログ、相関 ID で検索)、準拠したデバイスや場所から `mailbridge auth` でサインインしてください'],
  AADSTS54005: ['認可コードは既に使われています', 'コードは一度しか使えません。`mailbridge auth` をもう一度実行して新しいコードを取得してください'],
  AADSTS65001: ['アプリが求めるアクセス許可に、ユーザーも管理者も同意していません', '`mailbridge auth` でサインインし直して同意ページで承諾するか、管理者にテナント全体への同意を付与してもらってください'],
  AADSTS65004: ['ユーザーが同意を拒否しました', '`mailbridge auth` でサインインし直し、アクセス許可を承諾してください'],
  AADSTS70000: ['許可 (リフレッシュ トークンまたは認可コード) が無効です', 'リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください'],
  AADSTS70002: ['クライアントの資格情報が無効です', 'リソースのクライアント ID とクライアント シークレットを確認してください'],
  AADSTS70008: ['リフレッシュ トークンまたは認可コードの有効期限が切れています', 'リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください'],
  AADSTS70011: ['スコープが無効です (不明なスコープ、または 1 回のトークン要求で複数のリソースを混在)', 'トークンごとに 1 つのリソースのスコープを完全修飾で指定してください (例: `https://outlook.office365.com/IMAP.AccessAsUser.All offline_access`)'],
  AADSTS70016: ['ユーザーがまだデバイスのサインインを終えていません', 'デバイスのログイン ページでサインインを終えてください'],
  AADSTS70019: ['サインインが終わる前にデバイス コードの有効期限が切れました', '`mailbridge auth --device` をもう一度実行し、15 分以内に終えてください'],
  AADSTS70043: ['条件付きアクセスのサインイン頻度ポリシーによりセッションが終了しました', '`mailbridge auth` でサインインし直してください。頻度はポリシーで決まります'],
  AADSTS700016: ['アプリケーション (クライアント ID) がテナントに見つかりません', 'リソースのクライアント ID とテナント ID を確認してください (アプリの登録 >「概要」)'],
  AADSTS700025: ['パブリック クライアントがクライアント シークレットまたはアサーションを送りました', 'リソースのクライアント認証を none にするか、機密クライアントのアプリでは「パブリック クライアント フローを許可する」をオフにしてください'],
  AADSTS700027: ['クライアント アサーションの署名の検証に失敗しました', 'リソースのキー ファイルに対応する証明書を「証明書とシークレット」にアップロードしてください'],
  AADSTS700082: ['リフレッシュ トークンが 90 日間使われず、有効期限が切れました', 'リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください'],
  AADSTS700084: ['シングルページ アプリのリフレッシュ トークンが 24 時間の有効期間に達しました', 'コールバックを SPA ではなく Web プラットフォームに登録してから、`mailbridge auth` でサインインし直してください'],
  AADSTS7000215: ['クライアント シークレットが無効です', '「証明書とシークレット」のシークレット ID ではなく「値」を保存してください'],
  AADSTS7000218: ['要求に client_secret も client_assertion もありません', 'リソースのクライアント シークレットを保存するか、デバイス コードなら「パブリック クライアント フローを許可する」を有効にしてください'],
  AADSTS7000222: ['クライアント シークレットの有効期限が切れています', '「証明書とシークレット」で新しいクライアント シークレットを作成してリソースに保存してください (または証明書に切り替えます)'],
  AADSTS90002: ['テナントが見つかりません', '承認/トークン URL のテナント ID またはドメインと、クラウド (グローバル、GCC High、中国) を確認してください'],
  AADSTS90055: ['テナントが調整 (スロットリング) されています', '待ってから再試行し、トークン要求を減らしてください'],
  AADSTS500011: ['スコープのリソースがテナントに見つかりません', 'スコープのリソース URL (例: https://outlook.office365.com) の綴りと、テナントに Exchange Online があるかを確認してください'],
  AADSTS501481: ['PKCE のコード検証子がコード チャレンジと一致しません', '`mailbridge auth` をもう一度実行してください'],
  AADSTS9002313: ['要求の形式が正しくないか無効です', 'リソースの URL とパラメーターを確認してください (MAILBRIDGE_LOG=debug で実行すると詳細が出ます)'],
  AADSTS900144: ['要求に必須のパラメーターがありません', 'リソースのスコープ、クライアント ID、URL を確認してください'],
  AADSTS901002: ["v2.0 エンドポイントは 'resource' パラメーターを受け付けません", '`scope` を使う v2 の URL か、`resource` を使う v1 の URL (/v2.0 なし) にしてください'],
};

/** Every entry's message and hint in both languages, in the shared catalogue (the catalogue test checks them). */
const TEXTS = messages(
  'errors.aadsts',
  Object.fromEntries(
    ENTRIES.flatMap((e): [string, Message][] => {
      const ja = JA[e.code];
      return ja ? [[`${e.code}.message`, { en: e.message, ja: ja[0] }], [`${e.code}.hint`, { en: e.hint, ja: ja[1] }]] : [];
    }),
  ),
);

/** The catalogue's message and hint for `code` in Japanese (both languages live in the shared catalogue). */
export function aadstsJapanese(code: string): { message: string; hint: string } | undefined {
  const normal = normaliseAadstsCode(code);
  const message = normal ? TEXTS[`${normal}.message`] : undefined;
  const hint = normal ? TEXTS[`${normal}.hint`] : undefined;
  return message && hint ? { message: message.ja, hint: hint.ja } : undefined;
}

/** Japanese hints for an OAuth `error` without a known AADSTS code (see {@link hintForOAuthError}). */
const OAUTH_JA = messages('errors.oauth', {
  reauth: { en: REAUTH, ja: 'リソース名を付けて `mailbridge auth` を実行し、サインインと同意をやり直してください' },
  client: { en: 'check the client id, tenant and client secret/certificate of the resource', ja: 'リソースのクライアント ID、テナント、クライアント シークレット/証明書を確認してください' },
  scope: { en: 'fix the scope of the resource (one resource per token, fully qualified)', ja: 'リソースのスコープを直してください (トークンごとに 1 つのリソース、完全修飾で)' },
  denied: { en: `${REAUTH} and accept the consent page`, ja: '`mailbridge auth` でサインインし直し、同意ページで承諾してください' },
  unavailable: { en: 'Microsoft is unavailable; retry in a few minutes', ja: 'Microsoft のサービスが利用できません。数分後に再試行してください' },
  other: { en: 'check the resource settings (run with MAILBRIDGE_LOG=debug for the full answer)', ja: 'リソースの設定を確認してください (MAILBRIDGE_LOG=debug で実行すると応答の全体が出ます)' },
  meaning: { en: 'the authorization server or token endpoint answered with an OAuth 2.0 error', ja: '承認サーバーまたはトークン エンドポイントが OAuth 2.0 のエラーを返しました' },
});

/** The OAuth error's meaning and hint, in Japanese (see {@link hintForOAuthError}). */
export function oauthErrorJapanese(error: string): { message: string; hint: string } {
  const key = ((): keyof typeof OAUTH_JA => {
    switch (error) {
      case 'invalid_grant':
      case 'interaction_required':
      case 'consent_required': return 'reauth';
      case 'invalid_client':
      case 'unauthorized_client': return 'client';
      case 'invalid_scope': return 'scope';
      case 'access_denied': return 'denied';
      case 'temporarily_unavailable':
      case 'server_error': return 'unavailable';
      default: return 'other';
    }
  })();
  return { message: OAUTH_JA.meaning.ja, hint: OAUTH_JA[key].ja };
}

const BY_CODE = new Map(ENTRIES.map((e) => [e.code, e]));

/** Normalise `700082`, `AADSTS700082` or a description starting with it to `AADSTS700082`. */
export function normaliseAadstsCode(input: string | number): string | undefined {
  const m = /(?:AADSTS)?(\d{5,7})/i.exec(String(input));
  return m ? `AADSTS${m[1]}` : undefined;
}

/** The catalogue entry for an AADSTS code (`AADSTS700082`, `700082` or a description naming it), if mailbridge knows it. */
export function lookupAadsts(code: string | number): AadstsEntry | undefined {
  const normal = normaliseAadstsCode(code);
  return normal ? BY_CODE.get(normal) : undefined;
}

/** Every entry, for `doctor` and docs. */
export function aadstsCatalogue(): readonly AadstsEntry[] {
  return ENTRIES;
}

/**
 * What a failed refresh does to the status, from the AADSTS code when we know it, else from
 * the OAuth `error`. An unknown `invalid_grant` counts as Revoked (Microsoft refused the
 * refresh token for good); unknown other errors leave the status alone.
 */
export function refreshStatusEffect(error: string, code: string | undefined): StatusEffect {
  const entry = code ? lookupAadsts(code) : undefined;
  if (entry) return entry.onRefresh;
  switch (error) {
    case 'invalid_grant': return 'Revoked';
    case 'invalid_client':
    case 'unauthorized_client': return 'InvalidClient';
    case 'interaction_required':
    case 'consent_required': return 'ConsentRequired';
    default: return 'unchanged';
  }
}

/** The hint for an OAuth `error` without a known AADSTS code. */
export function hintForOAuthError(error: string): string {
  switch (error) {
    case 'invalid_grant': return REAUTH;
    case 'invalid_client':
    case 'unauthorized_client': return 'check the client id, tenant and client secret/certificate of the resource';
    case 'interaction_required':
    case 'consent_required': return REAUTH;
    case 'invalid_scope': return 'fix the scope of the resource (one resource per token, fully qualified)';
    case 'access_denied': return `${REAUTH} and accept the consent page`;
    case 'temporarily_unavailable':
    case 'server_error': return 'Microsoft is unavailable; retry in a few minutes';
    default: return 'check the resource settings (run with MAILBRIDGE_LOG=debug for the full answer)';
  }
}
