import type { FastifyInstance } from 'fastify';
import type { ApiKeyInfo } from '../credentials.js';
import { API_SCOPES } from '../scopes.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

/** What each scope allows, in the words of docs/security.md. */
const SCOPE_HELP: Record<(typeof API_SCOPES)[number], string> = {
  read: 'list and read resources (secrets masked), mail, triggers and their history, the doctor, metrics',
  send: 'send mail and the send test; reads nothing',
  modify: 'mark, move, copy and delete messages; reads and sends nothing',
  admin: 'everything, plus resources, consent, tokens, triggers and API keys',
};

/** Lifetimes offered for a new key (days; 0: never expires). */
const LIFETIMES: [days: number, label: string][] = [[30, '30 days'], [90, '90 days'], [365, '1 year'], [0, 'never']];
const DEFAULT_DAYS = 90;
const DAY_MS = 86_400_000;

/** API keys: list (scopes, expiry, last use), create (the key shown once, with a Copy button), revoke. */
export function keyPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const render = async (reply: Parameters<ConsoleKit['page']>[0], extra?: Html) => {
    const keys = await ctx.credentials.listApiKeys();
    const now = ctx.now();
    return kit.page(reply, 'API keys', (csrf) => html`${extra ?? ''}
<p class="note">Call the API with <code>authorization: Bearer mbk_…</code>. What each operation needs: the <a href="/console/api">API reference</a>.</p>
${keys.length === 0 ? html`<p id="no-keys">No API keys yet.</p>` : html`<table id="keys"><tr><th>Label</th><th>Key</th><th>Scopes</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr>
${keys.map((k) => html`<tr data-key="${k.id}"><td>${k.label}</td><td><code>${k.prefix}_…</code></td><td class="scopes">${k.scopes.join(' ')}</td><td>${day(k.createdAt)}</td>
<td class="expires">${expires(k, now)}</td><td>${k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : 'never'}</td>
<td><form class="inline" method="post" action="/console/keys/${k.id}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button aria-label="Revoke key ${k.label} (${k.prefix})">Revoke</button></form></td></tr>`)}</table>`}
<form method="post" action="/console/keys" id="create-key-form"><input type="hidden" name="_csrf" value="${csrf}"><fieldset><legend>Create an API key</legend>
<label><span>Label</span><input name="label" id="key-label" required maxlength="100" placeholder="n8n, Power Automate, …"></label>
<fieldset><legend>Scopes (what the key may do)</legend>${API_SCOPES.map((sc) => html`<label><input type="checkbox" name="scopes" value="${sc}" ${sc === 'read' ? html`checked` : ''}> <strong>${sc}</strong>: ${SCOPE_HELP[sc]}</label>`)}</fieldset>
<label><span>Expires after</span><select name="expiresInDays" id="key-expiry">${LIFETIMES.map(([d, label]) => html`<option value="${d}" ${d === DEFAULT_DAYS ? html`selected` : ''}>${label}</option>`)}</select></label>
<button id="create-key">Create API key</button></fieldset></form>`);
  };

  app.get('/keys', kit.get, async (_req, reply) => render(reply));

  app.post<{ Body: { label?: string; scopes?: string | string[]; expiresInDays?: string } }>('/keys', kit.post, async (req, reply) => {
    const asked = [req.body.scopes ?? []].flat();
    const scopes = API_SCOPES.filter((sc) => asked.includes(sc));
    const days = LIFETIMES.find(([d]) => String(d) === req.body.expiresInDays)?.[0] ?? DEFAULT_DAYS;
    const { info, key } = await ctx.credentials.createApiKey((req.body.label ?? '').trim() || 'console', scopes.length > 0 ? scopes : ['read'],
      days > 0 ? { expiresAt: ctx.now() + days * DAY_MS } : {});
    return render(reply, html`<div class="ok" id="key-created" role="status"><p>API key <strong>${info.label}</strong> created with scopes <strong id="new-key-scopes">${info.scopes.join(' ')}</strong>,
${info.expiresAt ? html`expiring on <strong id="new-key-expiry">${day(info.expiresAt)}</strong>` : html`<strong id="new-key-expiry">never expiring</strong>`}.
Copy it now: it is not shown again.</p>
<div class="key-box"><code id="new-key">${key.reveal()}</code><button type="button" data-copy="new-key" id="copy-key" hidden>Copy</button><span id="new-key-status" aria-live="polite"></span></div></div>`);
  });

  app.post<{ Params: { id: string } }>('/keys/:id/delete', kit.post, async (req, reply) => {
    await ctx.credentials.deleteApiKey(req.params.id);
    return reply.redirect('/console/keys', 303);
  });
}

function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function expires(k: ApiKeyInfo, now: number): Html {
  if (k.expiresAt === undefined) return html`never`;
  if (k.expiresAt <= now) return html`<span class="badge expired">expired</span> ${day(k.expiresAt)}`;
  return html`${day(k.expiresAt)} (in ${Math.ceil((k.expiresAt - now) / DAY_MS)} days)`;
}
