import type { FastifyInstance } from 'fastify';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { API_SCOPES } from '../scopes.js';

/** API keys: list, create (the key shown once), revoke. */
export function keyPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const render = async (reply: Parameters<ConsoleKit['page']>[0], extra?: Html) => {
    const keys = await ctx.credentials.listApiKeys();
    return kit.page(reply, 'API keys', (csrf) => html`${extra ?? ''}
<p class="note">Call the API with <code>authorization: Bearer mbk_…</code>. The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</p>
<table id="keys"><tr><th>Label</th><th>Key</th><th>Scopes</th><th>Created</th><th>Last used</th><th></th></tr>
${keys.map((k) => html`<tr><td>${k.label}</td><td><code>${k.prefix}_…</code></td><td>${k.scopes.join(' ')}</td><td>${new Date(k.createdAt).toISOString()}</td>
<td>${k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : 'never'}</td>
<td><form class="inline" method="post" action="/console/keys/${k.id}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button>Revoke</button></form></td></tr>`)}</table>
<form method="post" action="/console/keys"><input type="hidden" name="_csrf" value="${csrf}">
<label><span>Label</span><input name="label" required maxlength="100"></label>
<fieldset><legend>Scopes</legend>${API_SCOPES.map((sc) => html`<label><input type="checkbox" name="scopes" value="${sc}" ${sc === 'read' ? html`checked` : ''}> ${sc}</label>`)}
<p class="note">read: mail, settings, status · send: send mail · modify: mark, move, delete mail · admin: everything</p></fieldset>
<button id="create-key">Create API key</button></form>`);
  };

  app.get('/keys', kit.get, async (_req, reply) => render(reply));

  app.post<{ Body: { label?: string; scopes?: string | string[] } }>('/keys', kit.post, async (req, reply) => {
    const asked = [req.body.scopes ?? []].flat();
    const scopes = API_SCOPES.filter((sc) => asked.includes(sc));
    const { info, key } = await ctx.credentials.createApiKey((req.body.label ?? '').trim() || 'console', scopes.length > 0 ? scopes : ['read']);
    return render(reply, html`<p class="ok">API key ${info.label} (${info.scopes.join(' ')}) created. Copy it now, it is not shown again:</p><pre id="new-key">${key.reveal()}</pre>`);
  });

  app.post<{ Params: { id: string } }>('/keys/:id/delete', kit.post, async (req, reply) => {
    await ctx.credentials.deleteApiKey(req.params.id);
    return reply.redirect('/console/keys', 303);
  });
}
