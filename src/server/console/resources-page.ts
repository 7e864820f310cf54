import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkTenantKnown } from '../../auth/discovery.js';
import { runDoctor } from '../../doctor/run.js';
import { AuthError, isMailbridgeError } from '../../errors.js';
import { recordAttempt } from '../../services/attempts.js';
import {
  addResource,
  fieldTable,
  mustGetResource,
  resourceView,
  splitSecrets,
  type ResourceView,
} from '../../services/resources.js';
import type { ResourceAttempts } from '../../store/attempts.js';
import { serviceRedirectUri } from '../consent-broker.js';
import { canReceive, canSend, probeResource, type ProbeResult } from '../probe.js';
import { servicePort } from '../routes/oauth.js';
import { errorBox, fixLine } from './fixes.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';
import { DEFAULT_CALLBACK, formToInput, resourceForm, type FormValues } from './resource-form.js';
import { fieldOf, keepSecret, takeSecret, withoutSecret } from './secret-drafts.js';
import { attemptLines, changeNotice, consoleFieldRows, statusBadge } from './resource-status.js';

type Reply = Parameters<ConsoleKit['page']>[0];
type Notice = Parameters<typeof changeNotice>[0];

// The mailbox and trigger pages show errors the same way.
export { errorBox } from './fixes.js';

/** Resources: the list (status at a glance), the add form, one resource with Connect, test, doctor. */
export function resourcePages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  const listPage = async (
    reply: Reply,
    o: { error?: unknown; form?: FormValues; secretKept?: string; notice?: Notice } = {},
    status = 200,
  ) => {
    const rows = await Promise.all(
      (await ctx.store.listResources()).map(async (r) => ({
        view: await resourceView(ctx.store, r),
        attempts: await ctx.store.listAttempts(r.name),
      })),
    );
    return kit.page(
      reply,
      'Resources',
      (csrf) =>
        html`${o.notice ? changeNotice(o.notice, csrf) : ''}${o.error ? errorBox(o.error, { csrf }) : ''}${resourceTable(rows, csrf, ctx.now())}
        ${resourceForm(o.form ?? { callbackUrl: DEFAULT_CALLBACK }, {
          mode: 'add',
          action: '/console/resources',
          csrf,
          hostAccess: ctx.hostAccess.hostAccess,
          secretKept: o.secretKept,
          errorField: fieldOf(o.error),
        })}`,
      status,
    );
  };

  app.get<{ Querystring: Notice }>('/', kit.get, async (req, reply) => listPage(reply, { notice: req.query }));

  app.post<{ Body: FormValues }>('/resources', kit.post, async (req, reply) => {
    const secret = takeSecret(kit, req, req.body);
    try {
      const { input, secrets } = splitSecrets(formToInput({ ...req.body, clientSecret: secret?.reveal() }));
      const { resource } = await addResource(ctx.store, input, secrets, ctx.hostAccess);
      return reply.redirect(`/console/resources/${encodeURIComponent(resource.name)}`, 303);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return listPage(reply, { error: e, form: withoutSecret(req.body), ...keepSecret(kit, req, secret) }, 400);
    }
  });

  app.get<{ Params: { name: string }; Querystring: Notice }>('/resources/:name', kit.get, async (req, reply) =>
    resourcePage(req, req.params.name, reply, (csrf) => changeNotice(req.query, csrf, req.params.name)),
  );

  const resourcePage = async (
    req: FastifyRequest,
    name: string,
    reply: Reply,
    extra?: Html | ((csrf: string) => Html),
    status = 200,
  ) => {
    const r = await mustGetResource(ctx.store, name);
    const view = await resourceView(ctx.store, r);
    const attempts = await ctx.store.listAttempts(name);
    const sent = r.oauth ? serviceRedirectUri(r.oauth.callbackUrl, servicePort(req)) : undefined;
    const fields = consoleFieldRows(await fieldTable(ctx.store, r), r, sent);
    const receive = canReceive(r.kind);
    const enc = encodeURIComponent(name);
    return kit.page(
      reply,
      `Resource ${name}`,
      (csrf) => html`${typeof extra === 'function' ? extra(csrf) : (extra ?? '')}
<p>${r.oauth?.flow === 'client_credentials' ? 'App-only token status' : 'Refresh token status'}: ${statusBadge(view, attempts, 'status')}
${view.statusReason ? html`<span class="note" id="status-reason">${view.statusReason}</span>` : ''}
· access token: <span id="expiry">${expiry(view.accessTokenExpiresAt, ctx.now())}</span></p>
${attemptLines(attempts, name, csrf)}
<p>
${
  r.oauth
    ? html`<form class="inline" method="post" action="/console/resources/${enc}/connect">
          <input type="hidden" name="_csrf" value="${csrf}" /><button id="connect">Connect</button>
        </form>
        <form class="inline" method="post" action="/console/resources/${enc}/check">
          <input type="hidden" name="_csrf" value="${csrf}" /><button id="check">Check the token now</button>
        </form>`
    : ''
}
<form class="inline" method="post" action="/console/resources/${enc}/test"><input type="hidden" name="_csrf" value="${csrf}"><button id="test">${r.kind === 'smtp' ? 'Test send' : 'Test receive'}</button></form>
${canSend(r.kind) ? html`<a id="test-send-link" href="/console/resources/${enc}/send">Send a test message…</a>` : ''}
<form class="inline" method="post" action="/console/resources/${enc}/doctor"><input type="hidden" name="_csrf" value="${csrf}"><button id="doctor">Run the doctor</button></form>
${receive ? html`<a id="browse" href="/console/mail/${enc}">Browse the mailbox</a>` : ''}
</p>
<p><a id="edit" href="/console/resources/${enc}/edit">Edit</a> · <a id="rotate" href="/console/resources/${enc}/edit#f-clientSecret">Store a new client secret</a>
· <a id="duplicate" href="/console/resources/${enc}/duplicate">Duplicate</a> · <a id="remove" href="/console/resources/${enc}/remove">Remove…</a></p>
<h2>Settings (the guide's fields)</h2>
<table id="fields">${fields.map(
        (f) =>
          html`<tr>
            <th>${f.label}</th>
            <td>${f.value}</td>
          </tr>`,
      )}</table>`,
      status,
    );
  };

  app.post<{ Params: { name: string } }>('/resources/:name/connect', kit.post, async (req, reply) => {
    const name = req.params.name;
    const enc = encodeURIComponent(name);
    try {
      const r = await mustGetResource(ctx.store, name);
      // The identity platform's own page for an unknown tenant (AADSTS90002) has no way back here: ask first.
      if (r.oauth && r.preset === 'm365') {
        const tenant = await checkTenantKnown(r.oauth.tokenUrl);
        if (tenant.known === 'no') {
          throw new AuthError({
            code: 'TENANT_NOT_FOUND',
            field: 'oauth.tenantId',
            message: `the identity platform does not know the tenant "${r.oauth.tenantId}": ${tenant.description}`,
            hint: "check the Directory (tenant) ID on the app registration's Overview page (or use a verified domain of the tenant) and correct it",
          });
        }
      }
      const start = await ctx.consents.start(name, {
        servicePort: servicePort(req),
        returnTo: `/console/resources/${enc}`,
      });
      if (start.completion === 'callback') return reply.redirect(start.authorizeUrl, 303);
      return resourcePage(
        req,
        name,
        reply,
        (csrf) =>
          html`<fieldset id="paste">
            <legend>Finish the consent</legend>
            <p>
              The Callback URL of this resource (${start.redirectUri}) does not reach this service. Open
              <a href="${start.authorizeUrl}" target="_blank" rel="noopener">the sign-in page</a>, sign in, then paste
              here the whole URL the browser was sent to (an error page there is normal).
            </p>
            <form method="post" action="/console/resources/${enc}/finish">
              <input type="hidden" name="_csrf" value="${csrf}" />
              <label><span>Redirected URL</span><input name="redirectUrl" size="80" required /></label
              ><button>Finish</button>
            </form>
            <p class="note">
              Or let the browser come back by itself: register
              <code id="served-callback">${serviceRedirectUri('http://127.0.0.1', servicePort(req))}</code> on the app
              (Authentication → Web → Redirect URIs) and
              <a id="edit-callback" href="/console/resources/${enc}/edit#f-callbackUrl">set the Callback URL</a> to
              http://127.0.0.1.
            </p>
          </fieldset>`,
      );
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      await ctx.consents.recordStartFailure(name, e);
      return resourcePage(req, name, reply, (csrf) => errorBox(e, { csrf, resource: name }), 400);
    }
  });

  app.post<{ Params: { name: string }; Body: { redirectUrl?: string } }>(
    '/resources/:name/finish',
    kit.post,
    async (req, reply) => {
      try {
        const done = await ctx.consents.finish(req.body.redirectUrl ?? '', req.params.name, { reload: true });
        return resourcePage(
          req,
          req.params.name,
          reply,
          html`<p class="ok" id="consent-result">Connected: status ${done.status.status}.</p>`,
        );
      } catch (e) {
        if (!isMailbridgeError(e)) throw e;
        return resourcePage(
          req,
          req.params.name,
          reply,
          (csrf) => errorBox(e, { csrf, resource: req.params.name }),
          400,
        );
      }
    },
  );

  app.post<{ Params: { name: string } }>('/resources/:name/check', kit.post, async (req, reply) => {
    const name = req.params.name;
    await mustGetResource(ctx.store, name);
    const check = await ctx.tokens.check(name);
    return resourcePage(
      req,
      name,
      reply,
      check.ok
        ? html`<p class="ok" id="check-result">The token endpoint gave a new access token just now.</p>`
        : (csrf) =>
            html`<div class="err" id="check-result">
              <p>
                <strong>Checking the token failed:</strong> ${check.error?.message ?? ''} (${check.error?.code ?? ''})
              </p>
              ${fixLine({ code: check.error?.code ?? '', hint: check.error?.hint ?? '' }, name, csrf)}
            </div>`,
    );
  });

  app.post<{ Params: { name: string } }>('/resources/:name/test', kit.post, async (req, reply) => {
    const name = req.params.name;
    const result = await probeResource(ctx, name);
    await recordAttempt(
      { store: ctx.store, logger: ctx.logger, now: ctx.now },
      name,
      'mail',
      'test',
      result.ok ? undefined : (result.error ?? { code: 'TEST_FAILED', message: result.detail, hint: '' }),
    );
    return resourcePage(req, name, reply, (csrf) => probeBox(result, name, csrf));
  });

  app.post<{ Params: { name: string } }>('/resources/:name/doctor', kit.post, async (req, reply) => {
    const resource = await mustGetResource(ctx.store, req.params.name);
    const report = await runDoctor({
      resource,
      store: ctx.store,
      tokens: ctx.tokens,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    });
    return resourcePage(
      req,
      req.params.name,
      reply,
      (csrf) =>
        html`<h2>Doctor</h2>
          <table id="doctor-report">
            ${report.checks.map(
              (c) =>
                html`<tr>
                  <td><span class="badge ${c.status}">${c.status.toUpperCase()}</span></td>
                  <th>${c.name}</th>
                  <td>${c.detail}${c.fix ? fixLine({ code: '', hint: c.fix }, resource.name, csrf) : ''}</td>
                </tr>`,
            )}
          </table>
          <p id="doctor-summary" class="${report.ok ? 'ok' : 'err'}">
            ${report.ok ? 'all checks passed' : 'some checks failed'}
          </p>`,
    );
  });
}

function resourceTable(rows: { view: ResourceView; attempts: ResourceAttempts[] }[], csrf: string, now: number): Html {
  if (rows.length === 0) return html`<p id="no-resources">No resources yet: add one below.</p>`;
  return html`<table id="resources">
    <tr>
      <th>Name</th>
      <th>Server type</th>
      <th>Server</th>
      <th>User</th>
      <th>Refresh token status</th>
      <th>Access token</th>
      <th></th>
    </tr>
    ${rows.map(
      ({ view: v, attempts }) =>
        html`<tr data-resource="${v.name}">
          <td><a href="/console/resources/${encodeURIComponent(v.name)}">${v.name}</a></td>
          <td>${v.kind.toUpperCase()}</td>
          <td>${v.server}</td>
          <td>${v.user}</td>
          <td>${statusBadge(v, attempts)}</td>
          <td>${expiry(v.accessTokenExpiresAt, now)}</td>
          <td>
            <form class="inline" method="post" action="/console/resources/${encodeURIComponent(v.name)}/connect">
              <input type="hidden" name="_csrf" value="${csrf}" /><button aria-label="Connect ${v.name}">Connect</button>
            </form>
          </td>
        </tr>`,
    )}
  </table>`;
}

function expiry(at: number | undefined, now: number): string {
  if (at === undefined) return 'none cached';
  if (at <= now) return `expired ${new Date(at).toISOString()}`;
  return `valid until ${new Date(at).toISOString()} (${Math.round((at - now) / 60_000)} min)`;
}

function probeBox(r: ProbeResult, name: string, csrf: string): Html {
  if (r.ok) return html`<p class="ok" id="test-result">Test ${r.action} succeeded: ${r.detail}</p>`;
  const e = r.error;
  return html`<div class="err" id="test-result">
    <p><strong>Test ${r.action} failed:</strong> ${e?.message ?? r.detail} (${e?.code ?? ''})</p>
    ${e?.hint ? fixLine({ code: e.code, hint: e.hint }, name, csrf) : ''}
    ${
      typeof e?.serverResponse === 'string'
        ? html`<p>The server said:</p>
            <pre id="server-response">${e.serverResponse}</pre>`
        : ''
    }
    ${
      e
        ? html`<details>
            <summary>Details</summary>
            <pre>${JSON.stringify(e, null, 2)}</pre>
          </details>`
        : ''
    }
  </div>`;
}
