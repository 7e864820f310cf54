import type { PresetInput } from '../../config/entry.js';
import { TENANT_PATTERN } from '../../config/tenant.js';
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

interface Field {
  key:
    | keyof PresetInput
    | 'caFile'
    | 'insecureLoopback'
    | 'allowPlaintextLoopback'
    | 'certificateKey'
    | 'certificateCert'
    | 'graphFallback';
  /** The guide's label (the resource page's field table uses the same words). */
  label: string | { receive: string; send: string; web: string };
  note?: string;
  applies: Applies;
  type?: 'text' | 'number' | 'email' | 'url' | 'date';
  options?: [string, string][];
  hostAccess?: boolean;
  required?: boolean;
  pattern?: string;
  placeholder?: string;
  section: 'main' | 'advanced' | 'other';
}

const YES_NO: [string, string][] = [
  ['', '(no)'],
  ['true', 'yes'],
];

/**
 * The form's fields with the guide's names (the integration platform's resource form, as the
 * resource page's field table shows them), each shown only for the kinds it applies to: the
 * stylesheet hides the others from the chosen Server type, without any script (the CSP allows none).
 */
export const RESOURCE_FIELDS: Field[] = [
  {
    key: 'tenantId',
    label: 'Tenant ID',
    note: "the Directory (tenant) ID on the app registration's Overview page (a GUID), or the tenant's domain",
    applies: 'oauth',
    required: true,
    pattern: TENANT_PATTERN,
    section: 'main',
  },
  {
    key: 'clientId',
    label: 'Client ID',
    note: 'the Application (client) ID on the same page',
    applies: 'oauth',
    required: true,
    section: 'main',
  },
  {
    key: 'user',
    label: 'User',
    note: 'the mailbox to sign in as',
    applies: 'all',
    type: 'email',
    required: true,
    section: 'main',
  },
  { key: 'from', label: 'From address', note: 'default: the User', applies: 'send', section: 'main' },
  {
    key: 'callbackUrl',
    label: 'Callback URL',
    note: 'the Redirect URI registered on the app (Web platform)',
    applies: 'oauth',
    type: 'url',
    placeholder: 'http://127.0.0.1',
    section: 'advanced',
  },
  {
    key: 'authorityUrl',
    label: 'Sign-in host',
    note: 'builds the Authorization URL and the Access token URL: {host}/{Tenant ID}/oauth2/v2.0/…',
    applies: 'oauth',
    type: 'url',
    placeholder: 'https://login.microsoftonline.com',
    section: 'advanced',
  },
  {
    key: 'mailHost',
    label: { receive: 'Incoming mail server', send: 'Outgoing mail server', web: 'Server' },
    applies: 'all',
    section: 'advanced',
    placeholder: 'outlook.office365.com',
  },
  {
    key: 'port',
    label: { receive: 'Incoming port', send: 'Outgoing port', web: 'Port' },
    applies: 'mail',
    type: 'number',
    section: 'advanced',
  },
  {
    key: 'secure',
    label: { receive: 'Incoming secure connection', send: 'Outgoing secure connection', web: 'Secure connection' },
    applies: 'mail',
    section: 'advanced',
    options: [
      ['', '(preset)'],
      ['tls', 'SSL: implicit TLS (incoming: Yes)'],
      ['starttls', 'TLS: STARTTLS (incoming: No (STARTTLS))'],
      ['none', 'None: plaintext (loopback only)'],
    ],
  },
  { key: 'domain', label: 'Domain', note: 'the Exchange domain', applies: 'ews', section: 'advanced' },
  { key: 'caFile', label: 'CA file (PEM)', applies: 'all', hostAccess: true, section: 'advanced' },
  {
    key: 'authorizeUrl',
    label: 'Authorization URL',
    note: 'empty: built from the Sign-in host',
    applies: 'oauth',
    type: 'url',
    section: 'other',
  },
  {
    key: 'tokenUrl',
    label: 'Access token URL',
    note: 'empty: built from the Sign-in host',
    applies: 'oauth',
    type: 'url',
    section: 'other',
  },
  {
    key: 'scope',
    label: 'Scope',
    note: "empty: the preset's scope for this Server type",
    applies: 'oauth',
    section: 'other',
  },
  { key: 'state', label: 'State', note: 'empty: random per consent', applies: 'oauth', section: 'other' },
  {
    key: 'responseMode',
    label: 'Response mode',
    applies: 'oauth',
    section: 'other',
    options: [
      ['', '(preset)'],
      ['query', 'query'],
      ['form_post', 'form_post'],
    ],
  },
  {
    key: 'flow',
    label: 'Flow',
    applies: 'oauth',
    section: 'other',
    options: [
      ['', '(authorization code: browser consent)'],
      ['authorization_code', 'authorization code'],
      ['device_code', 'device code'],
      ['client_credentials', 'client credentials (app-only)'],
    ],
  },
  {
    key: 'cloud',
    label: 'Cloud',
    applies: 'oauth',
    section: 'other',
    options: [
      ['', '(global)'],
      ['global', 'global'],
      ['usgovhigh', 'usgovhigh'],
      ['dod', 'dod'],
      ['china', 'china'],
    ],
  },
  {
    key: 'clientAuth',
    label: 'Client authentication',
    applies: 'oauth',
    section: 'other',
    options: [
      ['', '(client secret)'],
      ['secret', 'client secret'],
      ['certificate', 'certificate'],
      ['none', 'none (public client)'],
    ],
  },
  { key: 'certificateKey', label: 'Certificate key file (PEM)', applies: 'oauth', hostAccess: true, section: 'other' },
  { key: 'certificateCert', label: 'Certificate file (PEM)', applies: 'oauth', hostAccess: true, section: 'other' },
  { key: 'deviceCodeUrl', label: 'Device code URL', applies: 'oauth', type: 'url', section: 'other' },
  { key: 'resource', label: 'Resource (v1 endpoints)', applies: 'oauth', section: 'other' },
  {
    key: 'secretExpiresAt',
    label: 'Client secret expires',
    note: 'for warnings',
    applies: 'oauth',
    type: 'date',
    section: 'other',
  },
  {
    key: 'rateLimitPerMinute',
    label: 'Send rate limit (per minute)',
    applies: 'send',
    type: 'number',
    section: 'other',
  },
  {
    key: 'graphFallback',
    label: 'Graph fallback',
    note: 'send through Graph when SMTP AUTH is refused: "yes" or a Graph URL',
    applies: 'send',
    section: 'other',
  },
  { key: 'ewsV1', label: "Guide's v1 Authorization URL", applies: 'ews', section: 'other', options: YES_NO },
  {
    key: 'insecureLoopback',
    label: 'Skip certificate checks (loopback only)',
    applies: 'all',
    section: 'other',
    options: YES_NO,
  },
  {
    key: 'allowPlaintextLoopback',
    label: 'Allow plaintext (loopback only)',
    applies: 'all',
    section: 'other',
    options: YES_NO,
  },
];

/** The Server type list: the guide's receive types, blank (= SMTP, Email send), and the Exchange/Graph resources. */
const KINDS: [string, string][] = [
  ['imap', 'IMAP (Email receive)'],
  ['pop3', 'POP3 (Email receive)'],
  ['smtp', '(none): SMTP, Email send'],
  ['ews', 'Exchange (EWS)'],
  ['graph', 'Microsoft Graph'],
];

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

const sectionOf = (key: string): Field['section'] | undefined =>
  RESOURCE_FIELDS.find(
    (f) => f.key === key || (key.startsWith('tls.') && f.key === 'caFile') || key === `oauth.${f.key}`,
  )?.section;

/** The add / edit / duplicate form: the values typed are kept after an error; the secret never is put in the page. */
export function resourceForm(v: FormValues, m: FormMode): Html {
  const val = (k: string): string => v[k] ?? '';
  const errSection = m.errorField
    ? sectionOf(
        m.errorField
          .replace(/^oauth\./, '')
          .replace(/^server\.host$/, 'mailHost')
          .replace(/^server\./, ''),
      )
    : undefined;
  // A section opens when something in it was typed (the Add form's default Callback URL does not count).
  const hasAny = (section: Field['section']) =>
    RESOURCE_FIELDS.some(
      (f) =>
        f.section === section && val(f.key) !== '' && !(f.key === 'callbackUrl' && val(f.key) === DEFAULT_CALLBACK),
    );
  const field = (f: Field): Html => {
    if (f.hostAccess && !m.hostAccess) return html``;
    const label =
      typeof f.label === 'string'
        ? html`<span>${f.label}</span>`
        : html`<span class="for-receive">${f.label.receive}</span><span class="for-send">${f.label.send}</span
            ><span class="for-web">${f.label.web}</span>`;
    const input = f.options
      ? html`<select name="${f.key}" id="f-${f.key}">
          ${f.options.map(([o, t]) => html`<option value="${o}" ${val(f.key) === o ? html`selected` : ''}>${t}</option>`)}
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
        />`;
    return html`<label class="for-${f.applies}"
      >${label}${input}${f.note ? html` <small class="note">${f.note}</small>` : ''}</label
    >`;
  };
  const section = (s: Field['section']) => RESOURCE_FIELDS.filter((f) => f.section === s).map(field);
  const secretRequired = m.mode === 'add' && !m.secretKept;
  const kind = val('kind') || 'imap';
  return html`<form method="post" action="${m.action}" id="resource-form" class="resource-form">
    <input
      type="hidden"
      name="_csrf"
      value="${m.csrf}"
    />${m.secretKept ? html`<input type="hidden" name="secretDraft" value="${m.secretKept}" />` : ''}
    <input type="hidden" name="preset" value="${val('preset') || 'm365'}" />
    <fieldset>
      <legend>
        ${m.mode === 'edit' ? 'Settings' : m.mode === 'duplicate' ? 'The copy' : 'Add a Microsoft 365 resource'}
      </legend>
      ${
        m.mode === 'edit'
          ? html`<input type="hidden" name="name" value="${val('name')}" />`
          : html`<label
              ><span>Name</span
              ><input
                name="name"
                id="f-name"
                value="${val('name')}"
                required
                pattern="${NAME_PATTERN}"
                maxlength="63"
                title="letters, digits, dot, dash, underscore; starting with a letter or digit"
            /></label>`
      }
      <label
        ><span>Server type</span
        ><select name="kind" id="f-kind">
          ${KINDS.map(([k, t]) => html`<option value="${k}" ${kind === k ? html`selected` : ''}>${t}</option>`)}
        </select></label
      >
      ${section('main')}
      <label class="for-oauth"
        ><span>Client secret</span
        ><input
          name="clientSecret"
          id="f-clientSecret"
          type="password"
          autocomplete="off"
          ${secretRequired ? html`required` : ''}
          placeholder="${m.secretKept ? 'kept from your last try: leave empty to use it' : m.mode === 'edit' ? 'leave empty to keep the stored one' : m.mode === 'duplicate' ? "leave empty to use the original's" : ''}"
        />
        <small class="note"
          >the secret's Value (not its ID) from Certificates &amp;
          secrets${m.mode === 'edit' ? '; needed again when you change where the credentials go' : ''}</small
        ></label
      >
      <details id="advanced" ${hasAny('advanced') || errSection === 'advanced' ? html`open` : ''}>
        <summary>Advanced (sandbox, test servers)</summary>
        ${section('advanced')}
      </details>
      ${
        m.mode === 'add'
          ? ''
          : html`<details id="other" ${errSection === 'other' || hasAny('other') ? html`open` : ''}>
              <summary>Other settings</summary>
              ${section('other')}
            </details>`
      }
      <button id="${m.mode === 'edit' ? 'save' : m.mode === 'duplicate' ? 'add-copy' : 'add'}">
        ${m.mode === 'edit' ? 'Save changes' : m.mode === 'duplicate' ? 'Add the copy' : 'Add resource'}
      </button>
    </fieldset>
  </form>`;
}
