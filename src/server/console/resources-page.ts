import type { FastifyInstance } from 'fastify';
import { runDoctor } from '../../doctor/run.js';
import { isMailbridgeError } from '../../errors.js';
import { servicePort } from '../routes/oauth.js';
import { toErrorBody } from '../errors.js';
import { canReceive, canSend, probeResource, type ProbeResult } from '../probe.js';
import { addResource, fieldTable, splitSecrets, mustGetResource, resourceView, type ResourceView } from '../../services/resources.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

type AddForm = Record<string, string | undefined>;

/** Resources: the list (status at a glance), the add form, one resource with Connect, test, doctor. */
export function resourcePages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  app.get('/', kit.get, async (_req, reply) => {
    const views = await Promise.all((await ctx.store.listResources()).map((r) => resourceView(ctx.store, r)));
    return kit.page(reply, 'Resources', (csrf) => html`${resourceTable(views, csrf, ctx.now())}${addForm(csrf, {}, ctx.hostAccess.hostAccess)}`);
  });

  app.post<{ Body: AddForm }>('/resources', kit.post, async (req, reply) => {
    try {
      const { input, secrets } = splitSecrets(formToInput(req.body));
      const { resource } = await addResource(ctx.store, input, secrets, ctx.hostAccess);
      return reply.redirect(`/console/resources/${encodeURIComponent(resource.name)}`, 303);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      const views = await Promise.all((await ctx.store.listResources()).map((r) => resourceView(ctx.store, r)));
      return kit.page(reply, 'Resources', (csrf) => html`${errorBox(e)}${resourceTable(views, csrf, ctx.now())}${addForm(csrf, req.body, ctx.hostAccess.hostAccess)}`, 400);
    }
  });

  app.get<{ Params: { name: string } }>('/resources/:name', kit.get, async (req, reply) => resourcePage(req.params.name, reply));

  const resourcePage = async (name: string, reply: Parameters<ConsoleKit['page']>[0], extra?: Html | ((csrf: string) => Html), status = 200) => {
    const r = await mustGetResource(ctx.store, name);
    const view = await resourceView(ctx.store, r);
    const fields = await fieldTable(ctx.store, r);
    const receive = canReceive(r.kind);
    return kit.page(reply, `Resource ${name}`, (csrf) => html`${typeof extra === 'function' ? extra(csrf) : (extra ?? '')}
<p>Refresh token status: <span id="status" class="badge ${view.status}">${view.status}</span>
${view.statusReason ? html`<span class="note">${view.statusReason}</span>` : ''}
· access token: <span id="expiry">${expiry(view.accessTokenExpiresAt, ctx.now())}</span></p>
<p>
<form class="inline" method="post" action="/console/resources/${name}/connect"><input type="hidden" name="_csrf" value="${csrf}"><button id="connect">Connect</button></form>
<form class="inline" method="post" action="/console/resources/${name}/test"><input type="hidden" name="_csrf" value="${csrf}"><button id="test">${r.kind === 'smtp' ? 'Test send' : 'Test receive'}</button></form>
${canSend(r.kind) ? html`<a id="test-send-link" href="/console/resources/${name}/send">Send a test message…</a>` : ''}
<form class="inline" method="post" action="/console/resources/${name}/doctor"><input type="hidden" name="_csrf" value="${csrf}"><button id="doctor">Run the doctor</button></form>
${receive ? html`<a id="browse" href="/console/mail/${name}">Browse the mailbox</a>` : ''}
<form class="inline" method="post" action="/console/resources/${name}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button id="delete">Remove</button></form>
</p>
<h2>Settings (the guide's fields)</h2>
<table id="fields">${fields.map((f) => html`<tr><th>${f.label}</th><td>${f.value}</td></tr>`)}</table>`, status);
  };

  app.post<{ Params: { name: string } }>('/resources/:name/connect', kit.post, async (req, reply) => {
    const name = req.params.name;
    try {
      const start = await ctx.consents.start(name, { servicePort: servicePort(req), returnTo: `/console/resources/${encodeURIComponent(name)}` });
      if (start.completion === 'callback') return reply.redirect(start.authorizeUrl, 303);
      return resourcePage(name, reply, (csrf) => html`<fieldset id="paste"><legend>Finish the consent</legend>
<p>The callback URL of this resource (${start.redirectUri}) does not reach this service. Open
<a href="${start.authorizeUrl}" target="_blank" rel="noopener">the sign-in page</a>, sign in, then paste here the whole URL the browser was sent to
(an error page there is normal). Or change the callback URL to http://127.0.0.1 and register it on the app.</p>
<form method="post" action="/console/resources/${name}/finish"><input type="hidden" name="_csrf" value="${csrf}">
<label><span>Redirected URL</span><input name="redirectUrl" size="80" required></label><button>Finish</button></form></fieldset>`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return resourcePage(name, reply, errorBox(e), 400);
    }
  });

  app.post<{ Params: { name: string }; Body: { redirectUrl?: string } }>('/resources/:name/finish', kit.post, async (req, reply) => {
    try {
      const done = await ctx.consents.finish(req.body.redirectUrl ?? '', req.params.name);
      return resourcePage(req.params.name, reply, html`<p class="ok" id="consent-result">Connected: status ${done.status.status}.</p>`);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return resourcePage(req.params.name, reply, errorBox(e), 400);
    }
  });

  app.post<{ Params: { name: string } }>('/resources/:name/test', kit.post, async (req, reply) => {
    const result = await probeResource(ctx, req.params.name);
    return resourcePage(req.params.name, reply, probeBox(result));
  });

  app.post<{ Params: { name: string } }>('/resources/:name/doctor', kit.post, async (req, reply) => {
    const resource = await mustGetResource(ctx.store, req.params.name);
    const report = await runDoctor({ resource, store: ctx.store, tokens: ctx.tokens, ...(ctx.logger ? { logger: ctx.logger } : {}) });
    return resourcePage(req.params.name, reply, html`<h2>Doctor</h2><table id="doctor-report">
${report.checks.map((c) => html`<tr><td><span class="badge ${c.status}">${c.status.toUpperCase()}</span></td><th>${c.name}</th><td>${c.detail}${c.fix ? html`<br><em>Fix: ${c.fix}</em>` : ''}</td></tr>`)}
</table><p id="doctor-summary" class="${report.ok ? 'ok' : 'err'}">${report.ok ? 'all checks passed' : 'some checks failed'}</p>`);
  });

  app.post<{ Params: { name: string } }>('/resources/:name/delete', kit.post, async (req, reply) => {
    await ctx.store.deleteResource(req.params.name);
    return reply.redirect('/console/', 303);
  });
}

function resourceTable(views: ResourceView[], csrf: string, now: number): Html {
  if (views.length === 0) return html`<p id="no-resources">No resources yet: add one below.</p>`;
  return html`<table id="resources"><tr><th>Name</th><th>Kind</th><th>Server</th><th>User</th><th>Refresh token</th><th>Access token</th><th></th></tr>
${views.map((v) => html`<tr data-resource="${v.name}"><td><a href="/console/resources/${v.name}">${v.name}</a></td><td>${v.kind}</td><td>${v.server}</td><td>${v.user}</td>
<td><span class="badge ${v.status}" title="${v.statusReason ?? ''}">${v.status}</span></td><td>${expiry(v.accessTokenExpiresAt, now)}</td>
<td><form class="inline" method="post" action="/console/resources/${v.name}/connect"><input type="hidden" name="_csrf" value="${csrf}"><button aria-label="Connect ${v.name}">Connect</button></form></td></tr>`)}
</table>`;
}

function expiry(at: number | undefined, now: number): string {
  if (at === undefined) return 'none cached';
  if (at <= now) return `expired ${new Date(at).toISOString()}`;
  return `valid until ${new Date(at).toISOString()} (${Math.round((at - now) / 60_000)} min)`;
}

function addForm(csrf: string, v: AddForm, hostAccess: boolean): Html {
  const val = (k: string, d = ''): string => v[k] ?? d;
  const kinds = ['imap', 'pop3', 'smtp'];
  return html`<form method="post" action="/console/resources" id="add-resource"><fieldset><legend>Add a Microsoft 365 resource</legend>
<input type="hidden" name="_csrf" value="${csrf}">
<label><span>Name</span><input name="name" value="${val('name')}" required pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,62}"></label>
<label><span>Kind</span><select name="kind">${kinds.map((k) => html`<option value="${k}" ${val('kind', 'imap') === k ? html`selected` : ''}>${k.toUpperCase()}${k === 'smtp' ? ' (send)' : ' (receive)'}</option>`)}</select></label>
<label><span>Directory (tenant) ID</span><input name="tenantId" value="${val('tenantId')}" required></label>
<label><span>Application (client) ID</span><input name="clientId" value="${val('clientId')}" required></label>
<label><span>Client secret (Value)</span><input name="clientSecret" type="password" autocomplete="off" required></label>
<label><span>Mailbox</span><input name="user" value="${val('user')}" type="email" required></label>
<details><summary>Advanced (sandbox, test servers)</summary>
<label><span>Redirect URI registered on the app</span><input name="callbackUrl" value="${val('callbackUrl', 'http://127.0.0.1')}"></label>
<label><span>Authority URL</span><input name="authorityUrl" value="${val('authorityUrl')}" placeholder="https://login.microsoftonline.com"></label>
<label><span>Mail host</span><input name="mailHost" value="${val('mailHost')}" placeholder="outlook.office365.com"></label>
<label><span>Port</span><input name="port" value="${val('port')}" inputmode="numeric"></label>
<label><span>Secure</span><select name="secure"><option value="">(preset)</option>${['tls', 'starttls'].map((s) => html`<option ${val('secure') === s ? html`selected` : ''}>${s}</option>`)}</select></label>
${hostAccess ? html`<label><span>CA file (PEM)</span><input name="caFile" value="${val('caFile')}"></label>` : ''}
</details>
<button id="add">Add resource</button></fieldset></form>`;
}

/** The form's strings → the short form (empty fields left to the preset). */
function formToInput(f: AddForm): Record<string, unknown> {
  const s = (k: string): string | undefined => (f[k]?.trim() ? f[k].trim() : undefined);
  const kind = s('kind') ?? 'imap';
  const user = s('user');
  const port = s('port');
  return Object.fromEntries(Object.entries({
    name: s('name') ?? '', kind, preset: 'm365', tenantId: s('tenantId'), clientId: s('clientId'), clientSecret: f.clientSecret,
    user, ...(kind === 'smtp' && user ? { from: user } : {}),
    callbackUrl: s('callbackUrl'), authorityUrl: s('authorityUrl'), mailHost: s('mailHost'),
    port: port === undefined ? undefined : Number(port), secure: s('secure'),
    tls: s('caFile') ? { caFile: s('caFile') } : undefined,
  }).filter(([, x]) => x !== undefined));
}

export function errorBox(e: unknown): Html {
  const { body } = toErrorBody(e);
  return html`<div class="err" id="error"><p><strong>${body.error.message}</strong> (${body.error.code})</p><p>Fix: ${body.error.hint}</p>
${typeof body.error.serverResponse === 'string' ? html`<p>The server said:</p><pre id="server-response">${body.error.serverResponse}</pre>` : ''}</div>`;
}

function probeBox(r: ProbeResult): Html {
  if (r.ok) return html`<p class="ok" id="test-result">Test ${r.action} succeeded: ${r.detail}</p>`;
  const e = r.error;
  return html`<div class="err" id="test-result"><p><strong>Test ${r.action} failed:</strong> ${e?.message ?? r.detail} (${e?.code ?? ''})</p>
${e?.hint ? html`<p>Fix: ${e.hint}</p>` : ''}
${typeof e?.serverResponse === 'string' ? html`<p>The server said:</p><pre id="server-response">${e.serverResponse}</pre>` : ''}
${e ? html`<details><summary>Details</summary><pre>${JSON.stringify(e, null, 2)}</pre></details>` : ''}</div>`;
}
