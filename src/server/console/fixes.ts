import { toErrorBody } from '../errors.js';
import { html, type Html } from './html.js';

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
  action: (name: string | undefined) => FixAction | undefined;
}

const enc = encodeURIComponent;
const res = (n: string | undefined) => `/console/resources/${enc(n ?? '')}`;

const connect = (n: string | undefined): FixAction | undefined =>
  n ? { id: 'fix-connect', label: 'Connect', post: `${res(n)}/connect` } : undefined;
const edit = (n: string | undefined): FixAction | undefined =>
  n ? { id: 'fix-edit', label: 'Edit the resource', href: `${res(n)}/edit` } : undefined;

const RULES: Rule[] = [
  { pattern: /`mailbridge auth [^`]*`|POST \/api\/resources\/[^\s/]+\/consent(\/finish)?\b/g, action: connect },
  { pattern: /`mailbridge resource edit [^`]*`|PATCH \/api\/resources\/[^\s,;.]+/g, action: edit },
  {
    pattern: /`mailbridge doctor[^`]*`|GET \/api\/resources\/[^\s/]+\/doctor/g,
    action: (n) => (n ? { id: 'fix-doctor', label: 'Run the doctor', post: `${res(n)}/doctor` } : undefined),
  },
  {
    pattern: /`mailbridge token (refresh|status)[^`]*`|POST \/api\/resources\/[^\s/]+\/token\/refresh/g,
    action: (n) => (n ? { id: 'fix-check', label: 'Check now', post: `${res(n)}/check` } : undefined),
  },
  {
    pattern: /`mailbridge resource (list|add)[^`]*`|GET \/api\/resources\b(?!\/)|POST \/api\/resources\b(?!\/)/g,
    action: () => ({ id: 'fix-resources', label: 'Resources', href: '/console/' }),
  },
  {
    pattern: /`mailbridge resource remove[^`]*`|DELETE \/api\/resources\/[^\s,;.]+/g,
    action: (n) => (n ? { id: 'fix-remove', label: 'Remove…', href: `${res(n)}/remove` } : undefined),
  },
  {
    pattern: /`mailbridge trigger [^`]*`|(GET|PUT|POST) \/api\/triggers[^\s,;']*/g,
    action: () => ({ id: 'fix-triggers', label: 'Triggers', href: '/console/triggers#add-trigger' }),
  },
  {
    pattern: /`mailbridge (list|get|folders)[^`]*`/g,
    action: (n) =>
      n ? { id: 'fix-mailbox', label: 'Browse the mailbox', href: `/console/mail/${enc(n)}` } : undefined,
  },
];

/** Actions by error code, for fixes the hint describes in words (a wrong secret, a wrong tenant…). */
function byCode(code: string, field: string | undefined, name: string | undefined): FixAction[] {
  if (!name) return [];
  const out: FixAction[] = [];
  if (
    code === 'CREDENTIALS_REQUIRED' ||
    /^AADSTS7000(215|222)$/.test(code) ||
    code === 'OAUTH_INVALID_CLIENT' ||
    code === 'REFRESH_TOKEN_INVALID_CLIENT'
  ) {
    out.push({ id: 'fix-secret', label: 'Store the client secret again', href: `${res(name)}/edit#f-clientSecret` });
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
    out.push({ id: 'fix-edit', label: 'Edit the resource', href: `${res(name)}/edit${anchor}` });
  }
  if (
    code.startsWith('REFRESH_TOKEN_') ||
    code === 'CONSENT_DENIED' ||
    code.startsWith('STATE_') ||
    /^AADSTS(65001|50076|50079|70000|70008|9002313|700082)$/.test(code)
  ) {
    const c = connect(name);
    if (c) out.push(c);
  }
  return out;
}

/** The hint with the commands the console can run replaced by their button's name, and those buttons. */
export function consoleFix(
  e: { code: string; hint: string; field?: string | undefined },
  name: string | undefined,
): { text: string; actions: FixAction[] } {
  const actions: FixAction[] = [];
  let text = e.hint;
  for (const rule of RULES) {
    text = text.replace(rule.pattern, (m) => {
      const a = rule.action(name);
      if (!a) return m;
      actions.push(a);
      return `“${a.label}”`;
    });
  }
  // "Edit or Edit" after two equivalent commands (CLI and REST) were replaced.
  text = text.replace(/(“[^”]+”)((?:,| or| and)\s+\1)+/g, '$1');
  actions.push(...byCode(e.code, e.field, name));
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
): Html {
  if (!e.hint) return html``;
  const { text, actions } = consoleFix(e, resource);
  return html`<p class="fix">Fix: ${text}</p>
    ${
      csrf
        ? fixButtons(actions, csrf)
        : fixButtons(
            actions.filter((a) => a.href),
            '',
          )
    }`;
}

export function errorBox(e: unknown, o: { csrf?: string; resource?: string } = {}): Html {
  const { body } = toErrorBody(e);
  return html`<div class="err" id="error">
    <p><strong>${body.error.message}</strong> (${body.error.code})</p>
    ${fixLine({ code: body.error.code, hint: body.error.hint, field: body.error.field }, o.resource, o.csrf)}
    ${
      typeof body.error.serverResponse === 'string'
        ? html`<p>The server said:</p>
            <pre id="server-response">${body.error.serverResponse}</pre>`
        : ''
    }
  </div>`;
}
