import type { FieldRow } from '../../config/fields.js';
import type { Resource } from '../../config/resource.js';
import type { ResourceView } from '../../services/resources.js';
import type { AttemptOutcome, ResourceAttempts } from '../../store/attempts.js';
import { html, type Html } from './html.js';
import { fixLine } from './fixes.js';

const AREA: Record<ResourceAttempts['area'], string> = { token: 'Sign-in (token endpoint)', mail: 'Mail server' };
const ACTION: Record<AttemptOutcome['action'], string> = {
  connect: 'Connect',
  consent: 'consent',
  refresh: 'token refresh',
  check: 'token check',
  test: 'test',
};

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The refresh token status as of the last attempt: green only when the last attempt with the
 * token endpoint did not fail. A stored Available whose last refresh failed (the endpoint
 * unreachable, a refusal that keeps the grant) is shown as such, with the time.
 */
export function statusBadge(v: ResourceView, attempts: ResourceAttempts[], id?: string): Html {
  const token = attempts.find((a) => a.area === 'token');
  const failed = token && !token.last.ok ? token.last : undefined;
  const cls = failed && v.status === 'Available' ? 'stale' : v.status;
  const text =
    failed && v.status === 'Available' ? `${v.status}, but the last ${ACTION[failed.action]} failed` : v.status;
  const title = token ? `as of ${iso(token.last.at)} (${ACTION[token.last.action]})` : 'no attempt yet';
  return html`<span
    ${id ? html`id="${id}"` : ''}
    class="badge ${cls}"
    title="${title}${v.statusReason ? `: ${v.statusReason}` : ''}"
    >${text}</span
  >`;
}

/** One line per area: what was tried last, when, and its outcome; a failure with its fix as buttons. */
export function attemptLines(attempts: ResourceAttempts[], name: string, csrf: string): Html {
  if (attempts.length === 0) return html`<p class="attempt note" id="attempts">No attempt with the servers yet.</p>`;
  return html`<div id="attempts">
    ${attempts.map((a) => {
      const l = a.last;
      const head = html`${AREA[a.area]}, as of
        <time datetime="${new Date(l.at).toISOString()}">${iso(l.at)}</time> (${ACTION[l.action]}):`;
      if (l.ok) return html`<p class="attempt ok" id="attempt-${a.area}">${head} OK</p>`;
      return html`<div class="attempt err" id="attempt-${a.area}">
        <p>
          ${head} <strong>failed</strong>: ${l.message ?? ''} (${l.code ?? ''})
          ${a.lastSuccessAt ? html` · last success ${iso(a.lastSuccessAt)}` : ''}
        </p>
        ${fixLine({ code: l.code ?? '', hint: l.hint ?? '' }, name, csrf)}
      </div>`;
    })}
  </div>`;
}

/**
 * The guide's field table as the console shows it: rows that do not apply to the resource's
 * Server type left out (an IMAP resource has no Outgoing rows), the secure connection values
 * said in full (the guide's SMTP "TLS" is STARTTLS), and the Callback URL with exactly the
 * redirect URI a consent sends.
 */
export function consoleFieldRows(
  rows: FieldRow[],
  r: Resource,
  sent: string | undefined,
): { label: string; value: string | Html }[] {
  const receive = r.kind === 'imap' || r.kind === 'pop3';
  const send = r.kind === 'smtp';
  const out: { label: string; value: string | Html }[] = [];
  for (const row of rows) {
    if (receive && row.label.startsWith('Outgoing ')) continue;
    if (send && row.label.startsWith('Incoming ')) continue;
    if (row.label === 'Server type' && send) out.push({ label: row.label, value: '(none: Email send, SMTP)' });
    else if (row.label === 'Outgoing secure connection')
      out.push({ label: row.label, value: SECURE_OUT[row.value] ?? row.value });
    else if (row.label === 'Incoming secure connection')
      out.push({ label: row.label, value: SECURE_IN[row.value] ?? row.value });
    else if (row.label === 'Callback URL') {
      out.push({
        label: row.label,
        value: sent
          ? html`${row.value}<br /><small class="note"
                >sent as <code id="callback-sent">${sent}</code> (a loopback Redirect URI's port is not compared, so the
                service's own port is used)</small
              >`
          : html`${row.value}<br /><small class="note"
                >sent as <code id="callback-sent">${row.value}</code>; it does not reach this service: you paste the
                redirected URL back</small
              >`,
      });
    } else out.push(row);
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
  name?: string,
): Html {
  if (q.removed) {
    return html`<p class="ok" id="notice">
      Removed
      ${q.removed}${q.triggers ? ` and its trigger${q.triggers.includes(',') ? 's' : ''} ${q.triggers.split(',').join(', ')}` : ''}.
    </p>`;
  }
  if (!q.saved || !name) return html``;
  const fields = q.saved === 'nothing' ? [] : q.saved.split(',');
  return html`<div class="ok" id="notice">
    <p>${fields.length === 0 ? 'Nothing changed.' : `Saved: ${fields.join(', ')}.`}</p>
    ${
      q.moved
        ? html`<div class="err" id="tokens-dropped">
            The credentials now go elsewhere (${q.moved.split(',').join(', ')}): the stored tokens were dropped.
            <form class="inline" method="post" action="/console/resources/${encodeURIComponent(name)}/connect">
              <input type="hidden" name="_csrf" value="${csrf}" /><button class="fix-connect">Connect again</button>
            </form>
          </div>`
        : ''
    }
  </div>`;
}
