import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import { GatewayUsers } from '../../gateway/users.js';
import { Secret } from '../../secret.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

/** Gateway users (issue 13): list with last use and counts, add (password shown once), reset, disable/enable, remove; the queue's size. */
export function gatewayPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const users = new GatewayUsers({
    store: ctx.store,
    ...(ctx.logger ? { logger: ctx.logger } : {}),
    resourceExists: async (n) => (await ctx.store.getResource(n)) !== undefined,
  });
  const when = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : 'never');

  const render = async (reply: Parameters<ConsoleKit['page']>[0], extra?: Html) => {
    const [list, spool, dead] = await Promise.all([
      users.list(),
      ctx.store.listSpool(),
      ctx.store.listGatewayDeadLetters(20),
    ]);
    return kit.page(
      reply,
      'Gateway',
      (csrf) =>
        html`${extra ?? ''}
          <p class="note">
            Legacy clients (printers, ERP, scripts) log in to <code>mailbridge gateway</code> with these users; mail
            goes upstream with OAuth 2.0 through the mapped resource (docs/gateway.md).
          </p>
          <p id="queue">${spool.length} message(s) waiting for delivery · ${dead.length} recent dead letter(s)</p>
          <table id="gateway-users">
            <tr>
              <th>User</th>
              <th>Send</th>
              <th>Receive</th>
              <th>From allowed</th>
              <th>Use (logins / failed / messages, last)</th>
              <th></th>
            </tr>
            ${list.map(
              (u) =>
                html`<tr>
                  <td>${u.name}${u.disabled ? html` <span class="err">(disabled)</span>` : ''}</td>
                  <td>${u.sendResource ?? '-'}</td>
                  <td>${u.receiveResource ?? '-'}</td>
                  <td>${u.allowedFrom.length ? u.allowedFrom.join(', ') : "(resource's address)"}</td>
                  <td>
                    ${u.usage.map((x) => html`${x.protocol}: ${x.logins} / ${x.failures} / ${x.messages}, ${when(x.lastUsedAt)}${x.lastAddress ? ` from ${x.lastAddress}` : ''}<br />`)}
                  </td>
                  <td>
                    <form class="inline" method="post" action="/console/gateway/${u.name}/password">
                      <input type="hidden" name="_csrf" value="${csrf}" /><button>New password</button>
                    </form>
                    <form
                      class="inline"
                      method="post"
                      action="/console/gateway/${u.name}/${u.disabled ? 'enable' : 'disable'}"
                    >
                      <input type="hidden" name="_csrf" value="${csrf}" /><button>
                        ${u.disabled ? 'Enable' : 'Disable'}
                      </button>
                    </form>
                    <form class="inline" method="post" action="/console/gateway/${u.name}/delete">
                      <input type="hidden" name="_csrf" value="${csrf}" /><button>Remove</button>
                    </form>
                  </td>
                </tr>`,
            )}
          </table>
          <form method="post" action="/console/gateway">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <label><span>User name</span><input name="name" required maxlength="128" /></label>
            <label><span>Send resource (smtp or graph)</span><input name="sendResource" /></label>
            <label><span>Receive resource (IMAP/POP3 gateway)</span><input name="receiveResource" /></label>
            <label
              ><span>From allowed (addresses or @domains, comma-separated)</span><input name="allowedFrom"
            /></label>
            <button id="add-gateway-user">Add gateway user</button>
          </form>`,
    );
  };

  const shown = (name: string, password: Secret) =>
    html`<p class="ok">Password for ${name}. Copy it now, it is not shown again:</p>
      <pre id="new-password">${password.reveal()}</pre>`;
  const failed = (e: unknown) => {
    if (!isMailbridgeError(e)) throw e;
    return html`<p class="err">${e.message}. ${e.hint}</p>`;
  };

  app.get('/gateway', kit.get, async (_req, reply) => render(reply));

  app.post<{ Body: { name?: string; sendResource?: string; receiveResource?: string; allowedFrom?: string } }>(
    '/gateway',
    kit.post,
    async (req, reply) => {
      const b = req.body;
      try {
        const r = await users.add({
          name: (b.name ?? '').trim(),
          ...(b.sendResource?.trim() ? { sendResource: b.sendResource.trim() } : {}),
          ...(b.receiveResource?.trim() ? { receiveResource: b.receiveResource.trim() } : {}),
          allowedFrom: (b.allowedFrom ?? '')
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
        });
        return await render(reply, r.generatedPassword ? shown(r.user.name, r.generatedPassword) : undefined);
      } catch (e) {
        return render(reply, failed(e));
      }
    },
  );

  app.post<{ Params: { name: string } }>('/gateway/:name/password', kit.post, async (req, reply) => {
    try {
      const r = await users.resetPassword(req.params.name);
      return await render(reply, r.generatedPassword ? shown(req.params.name, r.generatedPassword) : undefined);
    } catch (e) {
      return render(reply, failed(e));
    }
  });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: { name: string } }>(`/gateway/:name/${verb}`, kit.post, async (req, reply) => {
      await users.setDisabled(req.params.name, disabled).catch(() => undefined);
      return reply.redirect('/console/gateway', 303);
    });
  }

  app.post<{ Params: { name: string } }>('/gateway/:name/delete', kit.post, async (req, reply) => {
    await users.remove(req.params.name).catch(() => undefined);
    return reply.redirect('/console/gateway', 303);
  });
}
