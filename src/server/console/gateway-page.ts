import type { FastifyInstance } from 'fastify';
import { isMailbridgeError } from '../../errors.js';
import { GatewayUsers } from '../../gateway/users.js';
import { formatDateTime, messages, relativeTime, t, type Locale } from '../../i18n/index.js';
import { Secret } from '../../secret.js';
import { html, type Html } from './html.js';
import type { ConsoleKit } from './plugin.js';

const m = messages('console.gateway', {
  title: { en: 'Gateway', ja: 'ゲートウェイ' },
  intro: {
    en: 'Legacy clients (printers, ERP, scripts) log in to mailbridge gateway with these users; mail goes upstream with OAuth 2.0 through the mapped resource (docs/gateway.md).',
    ja: '従来のクライアント (プリンター、ERP、スクリプト) は、これらのユーザーで mailbridge gateway にログインします。メールは割り当てたリソースを通じて OAuth 2.0 で Microsoft 365 に送られます (docs/ja/gateway.md)。',
  },
  queue: {
    en: '{waiting} message(s) waiting for delivery · {dead} recent dead letter(s)',
    ja: '配信待ちのメッセージ {waiting} 件 · 最近の配信不能メッセージ {dead} 件',
  },
  user: { en: 'User', ja: 'ユーザー' },
  send: { en: 'Send', ja: '送信' },
  receive: { en: 'Receive', ja: '受信' },
  fromAllowed: { en: 'From allowed', ja: '許可する差出人' },
  use: { en: 'Use (logins / failed / messages, last)', ja: '利用状況 (ログイン / 失敗 / メッセージ、最終利用)' },
  disabled: { en: '(disabled)', ja: '(無効)' },
  ownAddress: { en: "(resource's address)", ja: '(リソースのアドレス)' },
  never: { en: 'never', ja: 'なし' },
  usage: {
    en: '{protocol}: {logins} / {failures} / {messages}, {when}',
    ja: '{protocol}: {logins} / {failures} / {messages}、{when}',
  },
  from: { en: 'from {address}', ja: '{address} から' },
  newPassword: { en: 'New password', ja: '新しいパスワード' },
  disable: { en: 'Disable', ja: '無効にする' },
  enable: { en: 'Enable', ja: '有効にする' },
  remove: { en: 'Remove', ja: '削除' },
  name: { en: 'User name', ja: 'ユーザー名' },
  sendResource: { en: 'Send resource (smtp or graph)', ja: '送信リソース (smtp または graph)' },
  receiveResource: { en: 'Receive resource (IMAP/POP3 gateway)', ja: '受信リソース (IMAP/POP3 ゲートウェイ)' },
  allowedFromField: {
    en: 'From allowed (addresses or @domains, comma-separated)',
    ja: '許可する差出人 (アドレスまたは @ドメイン、コンマ区切り)',
  },
  add: { en: 'Add gateway user', ja: 'ゲートウェイ ユーザーを追加' },
  shown: {
    en: 'Password for {name}. Copy it now, it is not shown again:',
    ja: '{name} のパスワードです。今すぐコピーしてください。再表示はされません:',
  },
});

/** Gateway users (issue 13): list with last use and counts, add (password shown once), reset, disable/enable, remove; the queue's size. */
export function gatewayPages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;
  const users = new GatewayUsers({
    store: ctx.store,
    ...(ctx.logger ? { logger: ctx.logger } : {}),
    resourceExists: async (n) => (await ctx.store.getResource(n)) !== undefined,
  });
  // The absolute time in the reader's zone, and how long ago (a device that went quiet shows at once).
  const when = (ms: number | undefined, locale: Locale) =>
    ms ? `${formatDateTime(ms, locale)} (${relativeTime(ms, locale)})` : t(m.never, locale);

  const render = async (reply: Parameters<ConsoleKit['page']>[0], extra?: Html) => {
    const [list, spool, dead] = await Promise.all([
      users.list(),
      ctx.store.listSpool(),
      ctx.store.listGatewayDeadLetters(20),
    ]);
    return kit.page(
      reply,
      t(m.title, kit.locale(reply.request)),
      (csrf, locale) =>
        html`${extra ?? ''}
          <p class="note">${t(m.intro, locale)}</p>
          <p id="queue">${t(m.queue, locale, { waiting: spool.length, dead: dead.length })}</p>
          <table id="gateway-users">
            <tr>
              <th>${t(m.user, locale)}</th>
              <th>${t(m.send, locale)}</th>
              <th>${t(m.receive, locale)}</th>
              <th>${t(m.fromAllowed, locale)}</th>
              <th>${t(m.use, locale)}</th>
              <th></th>
            </tr>
            ${list.map(
              (u) =>
                html`<tr data-user="${u.name}">
                  <td>${u.name}${u.disabled ? html` <span class="err">${t(m.disabled, locale)}</span>` : ''}</td>
                  <td>${u.sendResource ?? '-'}</td>
                  <td>${u.receiveResource ?? '-'}</td>
                  <td>${u.allowedFrom.length ? u.allowedFrom.join(', ') : t(m.ownAddress, locale)}</td>
                  <td class="usage">
                    ${u.usage.map(
                      (x) =>
                        html`<span class="use" data-protocol="${x.protocol}"
                            >${t(m.usage, locale, {
                              protocol: x.protocol,
                              logins: x.logins,
                              failures: x.failures,
                              messages: x.messages,
                              when: when(x.lastUsedAt, locale),
                            })}${x.lastAddress ? ` ${t(m.from, locale, { address: x.lastAddress })}` : ''}</span
                          ><br />`,
                    )}
                  </td>
                  <td>
                    <form class="inline" method="post" action="/console/gateway/${u.name}/password">
                      <input type="hidden" name="_csrf" value="${csrf}" /><button>${t(m.newPassword, locale)}</button>
                    </form>
                    <form
                      class="inline"
                      method="post"
                      action="/console/gateway/${u.name}/${u.disabled ? 'enable' : 'disable'}"
                    >
                      <input type="hidden" name="_csrf" value="${csrf}" /><button>
                        ${t(u.disabled ? m.enable : m.disable, locale)}
                      </button>
                    </form>
                    <form class="inline" method="post" action="/console/gateway/${u.name}/delete">
                      <input type="hidden" name="_csrf" value="${csrf}" /><button>${t(m.remove, locale)}</button>
                    </form>
                  </td>
                </tr>`,
            )}
          </table>
          <form method="post" action="/console/gateway">
            <input type="hidden" name="_csrf" value="${csrf}" />
            <label><span>${t(m.name, locale)}</span><input name="name" required maxlength="128" /></label>
            <label><span>${t(m.sendResource, locale)}</span><input name="sendResource" /></label>
            <label><span>${t(m.receiveResource, locale)}</span><input name="receiveResource" /></label>
            <label><span>${t(m.allowedFromField, locale)}</span><input name="allowedFrom" /></label>
            <button id="add-gateway-user">${t(m.add, locale)}</button>
          </form>`,
    );
  };

  const shown = (name: string, password: Secret, locale: Locale) =>
    html`<p class="ok">${t(m.shown, locale, { name })}</p>
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
        return await render(
          reply,
          r.generatedPassword ? shown(r.user.name, r.generatedPassword, kit.locale(req)) : undefined,
        );
      } catch (e) {
        return render(reply, failed(e));
      }
    },
  );

  app.post<{ Params: { name: string } }>('/gateway/:name/password', kit.post, async (req, reply) => {
    try {
      const r = await users.resetPassword(req.params.name);
      return await render(
        reply,
        r.generatedPassword ? shown(req.params.name, r.generatedPassword, kit.locale(req)) : undefined,
      );
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
