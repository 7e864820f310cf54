import { type Locale, type Message, messages, t } from '../../i18n/index.js';
import { errorText } from '../../services/error-text.js';
import { toErrorBody } from '../errors.js';
import { html, type Html } from './html.js';

const m = messages('console.fixes', {
  connect: { en: 'Connect', ja: '接続' },
  edit: { en: 'Edit the resource', ja: 'リソースを編集' },
  doctor: { en: 'Run the doctor', ja: '診断を実行' },
  check: { en: 'Check now', ja: '今すぐ確認' },
  resources: { en: 'Resources', ja: 'リソース' },
  remove: { en: 'Remove…', ja: '削除…' },
  triggers: { en: 'Triggers', ja: 'トリガー' },
  mailbox: { en: 'Browse the mailbox', ja: 'メールボックスを表示' },
  secret: { en: 'Store the client secret again', ja: 'クライアント シークレットを保存し直す' },
  fix: { en: 'Fix: {text}', ja: '対処: {text}' },
  serverSaid: { en: 'The server said:', ja: 'サーバーの応答:' },
  original: { en: 'In English (for searching): {text}', ja: '英語の原文 (検索用): {text}' },
});

/**
 * Errors carry their fix as a hint written for the CLI and the API (`mailbridge auth NAME`,
 * PATCH /api/resources/NAME, …). In the console the fix is a button or a link to the page that
 * does it: the commands the console can run are replaced by the name of that button, and the
 * buttons follow. A command the console cannot run (the sandbox, keys on the host) stays as text.
 */
export interface FixAction {
  /** The class of its button or link (several errors on one page may offer the same fix). */
  id: string;
  label: string;
  /** A link (GET) or a button posting to a console route. */
  href?: string;
  post?: string;
}

interface Rule {
  pattern: RegExp;
  action: (name: string | undefined, locale: Locale) => FixAction | undefined;
}

const enc = encodeURIComponent;
const res = (n: string | undefined) => `/console/resources/${enc(n ?? '')}`;

const connect = (n: string | undefined, l: Locale): FixAction | undefined =>
  n ? { id: 'fix-connect', label: t(m.connect, l), post: `${res(n)}/connect` } : undefined;
const edit = (n: string | undefined, l: Locale): FixAction | undefined =>
  n ? { id: 'fix-edit', label: t(m.edit, l), href: `${res(n)}/edit` } : undefined;
const label = (text: Message, l: Locale) => t(text, l);

const RULES: Rule[] = [
  { pattern: /`mailbridge auth(?: [^`]*)?`|POST \/api\/resources\/[^\s/]+\/consent(\/finish)?\b/g, action: connect },
  { pattern: /`mailbridge resource edit(?: [^`]*)?`|PATCH \/api\/resources\/[^\s,;.]+/g, action: edit },
  {
    pattern: /`mailbridge doctor[^`]*`|GET \/api\/resources\/[^\s/]+\/doctor/g,
    action: (n, l) => (n ? { id: 'fix-doctor', label: label(m.doctor, l), post: `${res(n)}/doctor` } : undefined),
  },
  {
    pattern: /`mailbridge token (refresh|status)[^`]*`|POST \/api\/resources\/[^\s/]+\/token\/refresh/g,
    action: (n, l) => (n ? { id: 'fix-check', label: label(m.check, l), post: `${res(n)}/check` } : undefined),
  },
  {
    pattern: /`mailbridge resource (list|add)[^`]*`|GET \/api\/resources\b(?!\/)|POST \/api\/resources\b(?!\/)/g,
    action: (_n, l) => ({ id: 'fix-resources', label: label(m.resources, l), href: '/console/resources' }),
  },
  {
    pattern: /`mailbridge resource remove[^`]*`|DELETE \/api\/resources\/[^\s,;.]+/g,
    action: (n, l) => (n ? { id: 'fix-remove', label: label(m.remove, l), href: `${res(n)}/remove` } : undefined),
  },
  {
    pattern: /`mailbridge trigger(?: [^`]*)?`|(GET|PUT|POST) \/api\/triggers[^\s,;']*/g,
    action: (_n, l) => ({ id: 'fix-triggers', label: label(m.triggers, l), href: '/console/triggers#add-trigger' }),
  },
  {
    pattern: /`mailbridge (list|get|folders)[^`]*`/g,
    action: (n, l) =>
      n ? { id: 'fix-mailbox', label: label(m.mailbox, l), href: `/console/mail/${enc(n)}` } : undefined,
  },
];

/** Actions by error code, for fixes the hint describes in words (a wrong secret, a wrong tenant…). */
function byCode(code: string, field: string | undefined, name: string | undefined, l: Locale): FixAction[] {
  if (!name) return [];
  const out: FixAction[] = [];
  if (
    code === 'CREDENTIALS_REQUIRED' ||
    /^AADSTS7000(215|222)$/.test(code) ||
    code === 'OAUTH_INVALID_CLIENT' ||
    code === 'REFRESH_TOKEN_INVALID_CLIENT'
  ) {
    out.push({ id: 'fix-secret', label: t(m.secret, l), href: `${res(name)}/edit#f-clientSecret` });
  }
  if (
    /^AADSTS(50011|500112|90002|700016|50020)$/.test(code) ||
    code === 'TENANT_NOT_FOUND' ||
    (code === 'CONFIG_INVALID' && field)
  ) {
    const anchor =
      code === 'AADSTS50011'
        ? '#f-callbackUrl'
        : code === 'AADSTS700016'
          ? '#f-clientId'
          : code === 'AADSTS90002' || code === 'TENANT_NOT_FOUND'
            ? '#f-tenantId'
            : '';
    out.push({ id: 'fix-edit', label: t(m.edit, l), href: `${res(name)}/edit${anchor}` });
  }
  if (
    code.startsWith('REFRESH_TOKEN_') ||
    code === 'CONSENT_DENIED' ||
    code.startsWith('STATE_') ||
    /^AADSTS(65001|50076|50079|70000|70008|9002313|700082)$/.test(code)
  ) {
    const c = connect(name, l);
    if (c) out.push(c);
  }
  return out;
}

/**
 * The fix with the commands the console can run replaced by their button's name, and those buttons. In Japanese
 * the text is the code's Japanese fix (services/error-text.ts); the buttons come from it and from the error's own
 * English hint, which names the case more precisely.
 */
export function consoleFix(
  e: { code: string; hint: string; field?: string | undefined },
  name: string | undefined,
  locale: Locale = 'en',
): { text: string; actions: FixAction[] } {
  const actions: FixAction[] = [];
  const replaceCommands = (hint: string) => {
    let text = hint;
    for (const rule of RULES) {
      text = text.replace(rule.pattern, (whole) => {
        const a = rule.action(name, locale);
        if (!a) return whole;
        actions.push(a);
        return locale === 'ja' ? `「${a.label}」` : `“${a.label}”`;
      });
    }
    // A Japanese fix names a command ("リソース名を付けて `mailbridge auth` を実行"); as a button it is pressed.
    if (locale === 'ja') {
      text = text
        .replace(/リソース名を付けて\s*(?=「)/g, '')
        .replace(/\s*(「[^」]+」)\s*/g, '$1')
        .replace(/(「[^」]+」)を実行/g, '$1を押');
    }
    // "Edit or Edit" after two equivalent commands (CLI and REST) were replaced.
    return text.replace(/(“[^”]+”|「[^」]+」)((?:,| or| and|、|または|か)\s*\1)+/g, '$1');
  };
  const fix = errorText({ code: e.code, message: '', hint: e.hint }, locale).fix;
  const text = replaceCommands(fix);
  if (fix !== e.hint) replaceCommands(e.hint);
  actions.push(...byCode(e.code, e.field, name, locale));
  const seen = new Set<string>();
  return { text, actions: actions.filter((a) => !seen.has(a.id) && seen.add(a.id)) };
}

export function fixButtons(actions: FixAction[], csrf: string): Html {
  if (actions.length === 0) return html``;
  // A div: a form inside a <p> would end the paragraph, leaving the buttons outside it.
  return html`<div class="fixes">
    ${actions.map((a) =>
      a.post
        ? html`<form class="inline" method="post" action="${a.post}">
            <input type="hidden" name="_csrf" value="${csrf}" /><button class="${a.id}">${a.label}</button>
          </form>`
        : html`<a class="${a.id}" href="${a.href}">${a.label}</a>`,
    )}
  </div>`;
}

/** The fix of an error as the console's buttons and links (fixes.ts), the rest of the hint as text. */
export function fixLine(
  e: { code: string; hint: string; field?: string | undefined },
  resource: string | undefined,
  csrf: string | undefined,
  locale: Locale = 'en',
): Html {
  if (!e.hint) return html``;
  const { text, actions } = consoleFix(e, resource, locale);
  return html`<p class="fix">${t(m.fix, locale, { text })}</p>
    ${
      csrf
        ? fixButtons(actions, csrf)
        : fixButtons(
            actions.filter((a) => a.href),
            '',
          )
    }`;
}

/**
 * An error as the console shows it, in the viewer's language: what went wrong (with its code), the fix with its
 * buttons, and what the server said. In Japanese the code's Japanese explanation and fix come first and the
 * English message and hint follow in small print: they name the particular case and are what a search finds.
 */
export function errorBox(e: unknown, o: { csrf?: string; resource?: string; locale?: Locale } = {}): Html {
  const { body } = toErrorBody(e);
  const locale = o.locale ?? 'en';
  const text = errorText(body.error, locale);
  return html`<div class="err" id="error">
    <p><strong>${text.summary}</strong> (${body.error.code})</p>
    ${fixLine({ code: body.error.code, hint: body.error.hint, field: body.error.field }, o.resource, o.csrf, locale)}
    ${text.original ? html`<p class="note" lang="en" id="error-original">${t(m.original, locale, { text: text.original })}</p>` : ''}
    ${
      typeof body.error.serverResponse === 'string'
        ? html`<p>${t(m.serverSaid, locale)}</p>
            <pre id="server-response">${body.error.serverResponse}</pre>`
        : ''
    }
  </div>`;
}
