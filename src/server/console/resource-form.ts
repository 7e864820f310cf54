import type { PresetInput } from '../../config/entry.js';
import { TENANT_PATTERN } from '../../config/tenant.js';
import { messages, t, type Locale, type Message } from '../../i18n/index.js';
import { html, type Html } from './html.js';

/** A form's fields as the browser sent them (every value a string). */
export type FormValues = Record<string, string | undefined>;

/**
 * The resource name rule for the browser's `pattern`: the `-` escaped, because Chromium
 * compiles patterns with the `v` flag, where an unescaped `-` in a class is a syntax error and
 * the whole check is silently skipped.
 */
/** The Add form's Callback URL: the loopback URI the browser comes back to this service on by itself. */
export const DEFAULT_CALLBACK = 'http://127.0.0.1';

export const NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,62}';

type Applies = 'all' | 'receive' | 'send' | 'mail' | 'web' | 'ews' | 'oauth';

type Key =
  | keyof PresetInput
  | 'caFile'
  | 'insecureLoopback'
  | 'allowPlaintextLoopback'
  | 'certificateKey'
  | 'certificateCert'
  | 'graphFallback';

interface Field {
  key: Key;
  /** The guide's label (the resource page's field table uses the same words), in both languages. */
  label: Message | { receive: Message; send: Message; web: Message };
  note?: Message;
  applies: Applies;
  type?: 'text' | 'number' | 'email' | 'url' | 'date';
  options?: [string, Message][];
  hostAccess?: boolean;
  required?: boolean;
  pattern?: string;
  placeholder?: string;
  section: 'main' | 'advanced' | 'other';
}

/** The form's words: the seed guide's field names (Japanese as the integration platform shows them). */
export const FORM_TEXT = messages('console.resourceForm', {
  name: { en: 'Name', ja: 'リソース名' },
  nameTitle: {
    en: 'letters, digits, dot, dash, underscore; starting with a letter or digit',
    ja: '英数字・ドット・ハイフン・アンダースコア (先頭は英数字)',
  },
  preset: { en: 'Preset', ja: 'プリセット' },
  presetNote: {
    en: 'fills the defaults: servers, ports, URLs and scope for the Server type (empty fields keep them)',
    ja: 'サーバタイプに応じた既定値 (サーバ、ポート、URL、スコープ) を補います (空欄の項目は既定値のまま)',
  },
  presetM365: { en: 'Microsoft 365 (Exchange Online)', ja: 'Microsoft 365 (Exchange Online)' },
  presetGmail: { en: 'Gmail (Google OAuth 2.0)', ja: 'Gmail (Google OAuth 2.0)' },
  presetGeneric: { en: 'Other (every URL given)', ja: 'その他 (URL をすべて指定)' },
  kind: { en: 'Server type', ja: 'サーバタイプ' },
  kindImap: { en: 'IMAP (Email receive)', ja: 'IMAP (Email 受信)' },
  kindPop3: { en: 'POP3 (Email receive)', ja: 'POP3 (Email 受信)' },
  kindSmtp: { en: '(none): SMTP, Email send', ja: '(なし): SMTP、Email 送信' },
  kindEws: { en: 'Exchange (EWS)', ja: 'Exchange (EWS)' },
  kindGraph: { en: 'Microsoft Graph', ja: 'Microsoft Graph' },
  clientSecret: { en: 'Client secret', ja: 'クライアントシークレット' },
  clientSecretNote: {
    en: "the secret's Value (not its ID) from Certificates & secrets",
    ja: '「証明書とシークレット」で作成したシークレットの「値」(シークレット ID ではありません)',
  },
  clientSecretEditNote: {
    en: '; needed again when you change where the credentials go',
    ja: '。資格情報の送り先を変えるときはもう一度必要です',
  },
  secretKept: {
    en: 'kept from your last try: leave empty to use it',
    ja: '前回の入力を保持しています: 空欄のままで使います',
  },
  secretKeep: { en: 'leave empty to keep the stored one', ja: '空欄のままなら保存済みのものを使います' },
  secretOriginal: { en: "leave empty to use the original's", ja: '空欄のままなら複製元のものを使います' },
  advanced: { en: 'Advanced (sandbox, test servers)', ja: '詳細設定 (サンドボックス、テスト用サーバ)' },
  other: { en: 'Other settings', ja: 'その他の設定' },
  legendAdd: { en: 'Add a Microsoft 365 resource', ja: 'Microsoft 365 リソースの追加' },
  legendEdit: { en: 'Settings', ja: '設定' },
  legendCopy: { en: 'The copy', ja: '複製' },
  add: { en: 'Add resource', ja: 'リソースを追加' },
  save: { en: 'Save changes', ja: '変更を保存' },
  addCopy: { en: 'Add the copy', ja: '複製を追加' },
  fieldError: { en: 'Fix: {hint}', ja: '対処: {hint}' },
  defaults: { en: 'Preset default for this Server type: {value}', ja: 'このサーバタイプのプリセット既定値: {value}' },
  no: { en: '(no)', ja: '(いいえ)' },
  yes: { en: 'yes', ja: 'はい' },
  fromPreset: { en: '(preset)', ja: '(プリセット)' },
});

const L = messages('console.resourceFields', {
  tenantId: { en: 'Tenant ID', ja: 'テナント ID' },
  tenantIdNote: {
    en: "the Directory (tenant) ID on the app registration's Overview page (a GUID), or the tenant's domain",
    ja: 'アプリの「概要」にある「ディレクトリ (テナント) ID」(GUID)、またはテナントのドメイン',
  },
  clientId: { en: 'Client ID', ja: 'クライアントID' },
  clientIdNote: {
    en: 'the Application (client) ID on the same page',
    ja: '同じページの「アプリケーション(クライアント)ID」',
  },
  user: { en: 'User', ja: 'ユーザ' },
  userNote: { en: 'the mailbox to sign in as', ja: 'サインインするメールボックス' },
  from: { en: 'From address', ja: 'Fromアドレス' },
  fromNote: { en: 'default: the User', ja: '既定: ユーザ' },
  callbackUrl: { en: 'Callback URL', ja: 'コールバックURL' },
  callbackUrlNote: {
    en: 'the Redirect URI registered on the app (Web platform)',
    ja: 'アプリに登録したリダイレクト URI (Web プラットフォーム)',
  },
  authorityUrl: { en: 'Sign-in host', ja: 'サインイン ホスト' },
  authorityUrlNote: {
    en: 'builds the Authorization URL and the Access token URL: {host}/{Tenant ID}/oauth2/v2.0/…',
    ja: '認証URL とアクセストークンURL を組み立てます: {host}/{テナント ID}/oauth2/v2.0/…',
  },
  mailHostIn: { en: 'Incoming mail server', ja: '受信メールサーバ' },
  mailHostOut: { en: 'Outgoing mail server', ja: '送信メールサーバ' },
  mailHostWeb: { en: 'Server', ja: 'サーバ' },
  portIn: { en: 'Incoming port', ja: '受信ポート番号' },
  portOut: { en: 'Outgoing port', ja: '送信ポート番号' },
  portWeb: { en: 'Port', ja: 'ポート番号' },
  secureIn: { en: 'Incoming secure connection', ja: '受信セキュア接続' },
  secureOut: { en: 'Outgoing secure connection', ja: '送信セキュア接続' },
  secureWeb: { en: 'Secure connection', ja: 'セキュア接続' },
  secureTls: { en: 'SSL: implicit TLS (incoming: Yes)', ja: 'SSL: 暗黙の TLS (受信: Yes)' },
  secureStarttls: { en: 'TLS: STARTTLS (incoming: No (STARTTLS))', ja: 'TLS: STARTTLS (受信: No (STARTTLS))' },
  secureNone: { en: 'None: plaintext (loopback only)', ja: 'なし: 平文 (ループバックのみ)' },
  domain: { en: 'Domain', ja: 'ドメイン' },
  domainNote: { en: 'the Exchange domain', ja: 'Exchange サーバのドメイン' },
  caFile: { en: 'CA file (PEM)', ja: 'CA ファイル (PEM)' },
  authorizeUrl: { en: 'Authorization URL', ja: '認証URL' },
  builtNote: { en: 'empty: built from the Sign-in host', ja: '空欄: サインイン ホストから組み立てます' },
  tokenUrl: { en: 'Access token URL', ja: 'アクセストークンURL' },
  scope: { en: 'Scope', ja: 'スコープ' },
  scopeNote: {
    en: "empty: the preset's scope for this Server type",
    ja: '空欄: このサーバタイプのプリセットのスコープ',
  },
  state: { en: 'State', ja: '状態' },
  stateNote: { en: 'empty: random per consent', ja: '空欄: 同意ごとにランダム' },
  responseMode: { en: 'Response mode', ja: '応答モード' },
  flow: { en: 'Flow', ja: 'フロー' },
  flowDefault: { en: '(authorization code: browser consent)', ja: '(認可コード: ブラウザーで同意)' },
  flowCode: { en: 'authorization code', ja: '認可コード' },
  flowDevice: { en: 'device code', ja: 'デバイス コード' },
  flowApp: { en: 'client credentials (app-only)', ja: 'クライアント資格情報 (アプリのみ)' },
  cloud: { en: 'Cloud', ja: 'クラウド' },
  cloudGlobal: { en: '(global)', ja: '(グローバル)' },
  clientAuth: { en: 'Client authentication', ja: 'クライアント認証' },
  clientAuthDefault: { en: '(client secret)', ja: '(クライアントシークレット)' },
  clientAuthSecret: { en: 'client secret', ja: 'クライアントシークレット' },
  clientAuthCert: { en: 'certificate', ja: '証明書' },
  clientAuthNone: { en: 'none (public client)', ja: 'なし (パブリック クライアント)' },
  certificateKey: { en: 'Certificate key file (PEM)', ja: '証明書の秘密鍵ファイル (PEM)' },
  certificateCert: { en: 'Certificate file (PEM)', ja: '証明書ファイル (PEM)' },
  deviceCodeUrl: { en: 'Device code URL', ja: 'デバイス コード URL' },
  resource: { en: 'Resource (v1 endpoints)', ja: 'リソース (v1 エンドポイント)' },
  secretExpiresAt: { en: 'Client secret expires', ja: 'クライアントシークレットの有効期限' },
  secretExpiresAtNote: { en: 'for warnings', ja: '期限前の警告に使います' },
  rateLimit: { en: 'Send rate limit (per minute)', ja: '送信レート制限 (1 分あたり)' },
  graphFallback: { en: 'Graph fallback', ja: 'Graph フォールバック' },
  graphFallbackNote: {
    en: 'send through Graph when SMTP AUTH is refused: "yes" or a Graph URL',
    ja: 'SMTP AUTH が拒否されたら Graph で送信: "yes" または Graph の URL',
  },
  ewsV1: { en: "Guide's v1 Authorization URL", ja: 'ガイドの v1 認証URL' },
  insecureLoopback: { en: 'Skip certificate checks (loopback only)', ja: '証明書を検証しない (ループバックのみ)' },
  allowPlaintext: { en: 'Allow plaintext (loopback only)', ja: '平文を許可 (ループバックのみ)' },
});

const same = (s: string): Message => ({ en: s, ja: s });

const YES_NO: [string, Message][] = [
  ['', FORM_TEXT.no],
  ['true', FORM_TEXT.yes],
];

/**
 * The form's fields with the guide's names (the integration platform's resource form, as the
 * resource page's field table shows them), in the guide's order within each section (server,
 * port, secure connection, From, User, then the OAuth rows: Authorization URL, Access token URL,
 * Callback URL, Client ID, secret, Scope, State), each shown only for the kinds it applies to: the
 * stylesheet hides the others from the chosen Server type, without any script (the CSP allows none).
 */
export const RESOURCE_FIELDS: Field[] = [
  {
    key: 'tenantId',
    label: L.tenantId,
    note: L.tenantIdNote,
    applies: 'oauth',
    required: true,
    pattern: TENANT_PATTERN,
    section: 'main',
  },
  { key: 'from', label: L.from, note: L.fromNote, applies: 'send', section: 'main' },
  { key: 'user', label: L.user, note: L.userNote, applies: 'all', type: 'email', required: true, section: 'main' },
  { key: 'clientId', label: L.clientId, note: L.clientIdNote, applies: 'oauth', required: true, section: 'main' },
  {
    key: 'mailHost',
    label: { receive: L.mailHostIn, send: L.mailHostOut, web: L.mailHostWeb },
    applies: 'all',
    section: 'advanced',
    placeholder: 'outlook.office365.com',
  },
  {
    key: 'port',
    label: { receive: L.portIn, send: L.portOut, web: L.portWeb },
    applies: 'mail',
    type: 'number',
    section: 'advanced',
  },
  {
    key: 'secure',
    label: { receive: L.secureIn, send: L.secureOut, web: L.secureWeb },
    applies: 'mail',
    section: 'advanced',
    options: [
      ['', FORM_TEXT.fromPreset],
      ['tls', L.secureTls],
      ['starttls', L.secureStarttls],
      ['none', L.secureNone],
    ],
  },
  { key: 'domain', label: L.domain, note: L.domainNote, applies: 'ews', section: 'advanced' },
  {
    key: 'authorityUrl',
    label: L.authorityUrl,
    note: L.authorityUrlNote,
    applies: 'oauth',
    type: 'url',
    placeholder: 'https://login.microsoftonline.com',
    section: 'advanced',
  },
  {
    key: 'callbackUrl',
    label: L.callbackUrl,
    note: L.callbackUrlNote,
    applies: 'oauth',
    type: 'url',
    placeholder: 'http://127.0.0.1',
    section: 'advanced',
  },
  { key: 'caFile', label: L.caFile, applies: 'all', hostAccess: true, section: 'advanced' },
  { key: 'authorizeUrl', label: L.authorizeUrl, note: L.builtNote, applies: 'oauth', type: 'url', section: 'other' },
  { key: 'tokenUrl', label: L.tokenUrl, note: L.builtNote, applies: 'oauth', type: 'url', section: 'other' },
  { key: 'scope', label: L.scope, note: L.scopeNote, applies: 'oauth', section: 'other' },
  { key: 'state', label: L.state, note: L.stateNote, applies: 'oauth', section: 'other' },
  {
    key: 'responseMode',
    label: L.responseMode,
    applies: 'oauth',
    section: 'other',
    options: [
      ['', FORM_TEXT.fromPreset],
      ['query', same('query')],
      ['form_post', same('form_post')],
    ],
  },
  {
    key: 'flow',
    label: L.flow,
    applies: 'oauth',
    section: 'other',
    options: [
      ['', L.flowDefault],
      ['authorization_code', L.flowCode],
      ['device_code', L.flowDevice],
      ['client_credentials', L.flowApp],
    ],
  },
  {
    key: 'cloud',
    label: L.cloud,
    applies: 'oauth',
    section: 'other',
    options: [
      ['', L.cloudGlobal],
      ['global', same('global')],
      ['usgovhigh', same('usgovhigh')],
      ['dod', same('dod')],
      ['china', same('china')],
    ],
  },
  {
    key: 'clientAuth',
    label: L.clientAuth,
    applies: 'oauth',
    section: 'other',
    options: [
      ['', L.clientAuthDefault],
      ['secret', L.clientAuthSecret],
      ['certificate', L.clientAuthCert],
      ['none', L.clientAuthNone],
    ],
  },
  { key: 'certificateKey', label: L.certificateKey, applies: 'oauth', hostAccess: true, section: 'other' },
  { key: 'certificateCert', label: L.certificateCert, applies: 'oauth', hostAccess: true, section: 'other' },
  { key: 'deviceCodeUrl', label: L.deviceCodeUrl, applies: 'oauth', type: 'url', section: 'other' },
  { key: 'resource', label: L.resource, applies: 'oauth', section: 'other' },
  {
    key: 'secretExpiresAt',
    label: L.secretExpiresAt,
    note: L.secretExpiresAtNote,
    applies: 'oauth',
    type: 'date',
    section: 'other',
  },
  { key: 'rateLimitPerMinute', label: L.rateLimit, applies: 'send', type: 'number', section: 'other' },
  { key: 'graphFallback', label: L.graphFallback, note: L.graphFallbackNote, applies: 'send', section: 'other' },
  { key: 'ewsV1', label: L.ewsV1, applies: 'ews', section: 'other', options: YES_NO },
  { key: 'insecureLoopback', label: L.insecureLoopback, applies: 'all', section: 'other', options: YES_NO },
  { key: 'allowPlaintextLoopback', label: L.allowPlaintext, applies: 'all', section: 'other', options: YES_NO },
];

/** The Server type list: the guide's receive types, blank (= SMTP, Email send), and the Exchange/Graph resources. */
const KINDS: [string, Message][] = [
  ['imap', FORM_TEXT.kindImap],
  ['pop3', FORM_TEXT.kindPop3],
  ['smtp', FORM_TEXT.kindSmtp],
  ['ews', FORM_TEXT.kindEws],
  ['graph', FORM_TEXT.kindGraph],
];

const PRESETS: [string, Message][] = [
  ['m365', FORM_TEXT.presetM365],
  ['gmail', FORM_TEXT.presetGmail],
  ['generic', FORM_TEXT.presetGeneric],
];

/**
 * What the Microsoft 365 preset fills in per Server type (config/presets.ts), shown under the
 * server field so a person sees the default before leaving it empty.
 */
const M365_DEFAULTS: Record<string, string> = {
  imap: 'outlook.office365.com:993 (SSL)',
  pop3: 'outlook.office365.com:995 (SSL)',
  smtp: 'smtp.office365.com:587 (TLS / STARTTLS)',
  ews: 'https://outlook.office365.com',
  graph: 'https://graph.microsoft.com',
};

/**
 * The form key an error's field names (`oauth.tenantId`, `server.host`, `tls.caFile`…), so the
 * server's refusal is shown next to the field it is about.
 */
export function formKeyOf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const k = field
    .replace(/^oauth\./, '')
    .replace(/^server\.host$/, 'mailHost')
    .replace(/^server\./, '')
    .replace(/^tls\./, '')
    .replace(/^certificate\.keyFile$/, 'certificateKey')
    .replace(/^certificate\.certFile$/, 'certificateCert')
    .replace(/^graphFallback.*$/, 'graphFallback');
  if (k === 'name' || k === 'kind' || k === 'clientSecret' || k === 'preset') return k;
  return RESOURCE_FIELDS.some((f) => f.key === k) ? k : undefined;
}

export interface FormMode {
  /** add: a new resource; edit: the name is fixed; duplicate: a new name, the copy's values. */
  mode: 'add' | 'edit' | 'duplicate';
  action: string;
  csrf: string;
  hostAccess: boolean;
  /** A client secret typed on the last try and kept server-side (never in the page). */
  secretKept?: string | undefined;
  /** The field of the last error: its section opens. */
  errorField?: string | undefined;
  /** The last error (a typed error: message and fix), shown next to its field. */
  error?: unknown;
  locale: Locale;
}

/** The short form of a stored resource as form strings (what the edit form starts with). */
export function entryToForm(entry: PresetInput): FormValues {
  const out: FormValues = {};
  for (const [k, v] of Object.entries(entry)) {
    if ((v as unknown) === undefined) continue;
    if (k === 'tls') {
      const t = v as NonNullable<PresetInput['tls']>;
      if (t.caFile) out.caFile = t.caFile;
      if (t.insecureLoopback) out.insecureLoopback = 'true';
      if (t.allowPlaintextLoopback) out.allowPlaintextLoopback = 'true';
    } else if (k === 'certificate') {
      const c = v as NonNullable<PresetInput['certificate']>;
      out.certificateKey = c.keyFile;
      out.certificateCert = c.certFile;
    } else if (k === 'graphFallback') {
      const g = v as NonNullable<PresetInput['graphFallback']>;
      out.graphFallback = g.baseUrl ?? 'yes';
    } else if (typeof v === 'object') continue;
    else out[k] = String(v);
  }
  return out;
}

/**
 * Form strings → the short form. An empty field is left to the preset (undefined), so an edit
 * that empties a field goes back to what the preset derives.
 */
export function formToInput(f: FormValues): Record<string, unknown> {
  const s = (k: string): string | undefined => (f[k]?.trim() ? f[k].trim() : undefined);
  const num = (k: string): number | undefined => (s(k) === undefined ? undefined : Number(s(k)));
  const yes = (k: string): true | undefined => (s(k) === 'true' ? true : undefined);
  const kind = s('kind') ?? 'imap';
  const user = s('user');
  const tls = {
    ...(s('caFile') ? { caFile: s('caFile') } : {}),
    ...(yes('insecureLoopback') ? { insecureLoopback: true } : {}),
    ...(yes('allowPlaintextLoopback') ? { allowPlaintextLoopback: true } : {}),
  };
  const gf = s('graphFallback');
  return {
    name: s('name') ?? '',
    kind,
    preset: s('preset') ?? 'm365',
    tenantId: s('tenantId'),
    clientId: s('clientId'),
    clientSecret: f.clientSecret,
    user,
    from: s('from') ?? (kind === 'smtp' ? user : undefined),
    callbackUrl: s('callbackUrl'),
    authorityUrl: s('authorityUrl'),
    mailHost: s('mailHost'),
    port: num('port'),
    secure: s('secure'),
    domain: kind === 'ews' ? s('domain') : undefined,
    authorizeUrl: s('authorizeUrl'),
    tokenUrl: s('tokenUrl'),
    scope: s('scope'),
    state: s('state'),
    responseMode: s('responseMode'),
    flow: s('flow'),
    cloud: s('cloud'),
    clientAuth: s('clientAuth'),
    certificate:
      s('certificateKey') || s('certificateCert')
        ? { keyFile: s('certificateKey') ?? '', certFile: s('certificateCert') ?? '' }
        : undefined,
    deviceCodeUrl: s('deviceCodeUrl'),
    resource: s('resource'),
    secretExpiresAt: s('secretExpiresAt'),
    rateLimitPerMinute: num('rateLimitPerMinute'),
    ewsV1: yes('ewsV1'),
    graphFallback: gf === undefined || gf === 'no' ? undefined : gf === 'yes' ? {} : { baseUrl: gf },
    tls: Object.keys(tls).length > 0 ? tls : undefined,
  };
}

/**
 * The changes an edit form makes to a stored resource: only the fields whose text differs from
 * the stored short form (so an untouched form changes nothing, and the endpoint-change rule sees
 * only what the person changed). `graphFallback: null` removes the fallback.
 */
export function formChanges(before: FormValues, after: FormValues): Record<string, unknown> {
  const next = formToInput({ ...after, name: before.name });
  const prev = formToInput(before);
  const changes: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(next), ...Object.keys(prev)])) {
    if (key === 'name' || key === 'clientSecret' || key === 'preset') continue;
    if (JSON.stringify(next[key]) === JSON.stringify(prev[key])) continue;
    changes[key] = key === 'graphFallback' && next[key] === undefined ? null : next[key];
  }
  // The form's untouched From default (the User) is not a change of its own.
  if (changes.from !== undefined && before.from === undefined && (after.from ?? '').trim() === '') delete changes.from;
  return changes;
}

const sectionOf = (key: string): Field['section'] | undefined => RESOURCE_FIELDS.find((f) => f.key === key)?.section;

/** The message and fix of a typed error, for the line under its field. */
function errorParts(e: unknown): { message: string; hint: string } | undefined {
  const o = e as { message?: unknown; hint?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.message !== 'string') return undefined;
  return { message: o.message, hint: typeof o.hint === 'string' ? o.hint : '' };
}

/** The add / edit / duplicate form: the values typed are kept after an error; the secret never is put in the page. */
export function resourceForm(v: FormValues, m: FormMode): Html {
  const loc = m.locale;
  const val = (k: string): string => v[k] ?? '';
  const errKey = formKeyOf(m.errorField);
  const errSection = errKey ? sectionOf(errKey) : undefined;
  const err = errKey ? errorParts(m.error) : undefined;
  // The server's refusal under the field it names: what is wrong and the fix (the input points to it).
  const fieldError = (key: string): Html =>
    err && errKey === key
      ? html`<small class="field-error err" id="err-${key}" role="alert"
          >${err.message}${err.hint ? html`<br />${t(FORM_TEXT.fieldError, loc, { hint: err.hint })}` : ''}</small
        >`
      : html``;
  const invalid = (key: string): Html =>
    err && errKey === key ? html`aria-invalid="true" aria-describedby="err-${key}"` : html``;
  // A section opens when something in it was typed (the Add form's default Callback URL does not count).
  const hasAny = (section: Field['section']) =>
    RESOURCE_FIELDS.some(
      (f) =>
        f.section === section && val(f.key) !== '' && !(f.key === 'callbackUrl' && val(f.key) === DEFAULT_CALLBACK),
    );
  const field = (f: Field): Html => {
    if (f.hostAccess && !m.hostAccess) return html``;
    const label =
      'en' in f.label
        ? html`<span>${t(f.label, loc)}</span>`
        : html`<span class="for-receive">${t(f.label.receive, loc)}</span
            ><span class="for-send">${t(f.label.send, loc)}</span><span class="for-web">${t(f.label.web, loc)}</span>`;
    const input = f.options
      ? html`<select name="${f.key}" id="f-${f.key}" ${invalid(f.key)}>
          ${f.options.map(
            ([o, text]) =>
              html`<option value="${o}" ${val(f.key) === o ? html`selected` : ''}>${t(text, loc)}</option>`,
          )}
        </select>`
      : html`<input
          name="${f.key}"
          id="f-${f.key}"
          value="${val(f.key)}"
          ${f.type && f.type !== 'text' && f.type !== 'url' ? html`type="${f.type === 'number' ? 'text' : f.type}"` : ''}
          ${f.type === 'number' ? html`inputmode="numeric" pattern="[0-9]{1,6}"` : ''}
          ${f.required ? html`required` : ''}
          ${f.pattern ? html`pattern="${f.pattern}"` : ''}
          ${f.placeholder ? html`placeholder="${f.placeholder}"` : ''}
          ${invalid(f.key)}
        />`;
    // The preset's default server per Server type, one line each (the stylesheet shows the chosen one's).
    const defaults =
      f.key === 'mailHost'
        ? Object.entries(M365_DEFAULTS).map(
            ([k, d]) => html`<small class="note for-kind-${k}">${t(FORM_TEXT.defaults, loc, { value: d })}</small>`,
          )
        : '';
    return html`<label class="for-${f.applies}"
      >${label}${input}${f.note ? html` <small class="note">${t(f.note, loc)}</small>` : ''}${defaults}${fieldError(
        f.key,
      )}</label
    >`;
  };
  const section = (s: Field['section']) => RESOURCE_FIELDS.filter((f) => f.section === s).map(field);
  const secretRequired = m.mode === 'add' && !m.secretKept;
  const kind = val('kind') || 'imap';
  const preset = val('preset') || 'm365';
  return html`<form method="post" action="${m.action}" id="resource-form" class="resource-form" data-form="resource">
    <input
      type="hidden"
      name="_csrf"
      value="${m.csrf}"
    />${m.secretKept ? html`<input type="hidden" name="secretDraft" value="${m.secretKept}" />` : ''}
    <fieldset>
      <legend>
        ${t(m.mode === 'edit' ? FORM_TEXT.legendEdit : m.mode === 'duplicate' ? FORM_TEXT.legendCopy : FORM_TEXT.legendAdd, loc)}
      </legend>
      ${
        m.mode === 'edit'
          ? html`<input type="hidden" name="name" value="${val('name')}" />`
          : html`<label
              ><span>${t(FORM_TEXT.name, loc)}</span
              ><input
                name="name"
                id="f-name"
                value="${val('name')}"
                required
                pattern="${NAME_PATTERN}"
                maxlength="63"
                title="${t(FORM_TEXT.nameTitle, loc)}"
                ${invalid('name')}
              />${fieldError('name')}</label
            >`
      }
      <label
        ><span>${t(FORM_TEXT.preset, loc)}</span
        ><select name="preset" id="f-preset">
          ${PRESETS.map(([k, text]) => html`<option value="${k}" ${preset === k ? html`selected` : ''}>${t(text, loc)}</option>`)}
        </select>
        <small class="note">${t(FORM_TEXT.presetNote, loc)}</small></label
      >
      <label
        ><span>${t(FORM_TEXT.kind, loc)}</span
        ><select name="kind" id="f-kind" ${invalid('kind')}>
          ${KINDS.map(([k, text]) => html`<option value="${k}" ${kind === k ? html`selected` : ''}>${t(text, loc)}</option>`)}</select
        >${fieldError('kind')}</label
      >
      ${section('main')}
      <label class="for-oauth"
        ><span>${t(FORM_TEXT.clientSecret, loc)}</span
        ><input
          name="clientSecret"
          id="f-clientSecret"
          type="password"
          autocomplete="off"
          ${secretRequired ? html`required` : ''}
          placeholder="${m.secretKept ? t(FORM_TEXT.secretKept, loc) : m.mode === 'edit' ? t(FORM_TEXT.secretKeep, loc) : m.mode === 'duplicate' ? t(FORM_TEXT.secretOriginal, loc) : ''}"
          ${invalid('clientSecret')}
        />
        <small class="note"
          >${t(FORM_TEXT.clientSecretNote, loc)}${m.mode === 'edit' ? t(FORM_TEXT.clientSecretEditNote, loc) : ''}</small
        >${fieldError('clientSecret')}</label
      >
      <details id="advanced" ${hasAny('advanced') || errSection === 'advanced' ? html`open` : ''}>
        <summary>${t(FORM_TEXT.advanced, loc)}</summary>
        ${section('advanced')}
      </details>
      <details id="other" ${errSection === 'other' || hasAny('other') ? html`open` : ''}>
        <summary>${t(FORM_TEXT.other, loc)}</summary>
        ${section('other')}
      </details>
      <button id="${m.mode === 'edit' ? 'save' : m.mode === 'duplicate' ? 'add-copy' : 'add'}">
        ${t(m.mode === 'edit' ? FORM_TEXT.save : m.mode === 'duplicate' ? FORM_TEXT.addCopy : FORM_TEXT.add, loc)}
      </button>
    </fieldset>
  </form>`;
}
