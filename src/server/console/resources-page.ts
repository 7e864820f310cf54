import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkTenantKnown } from '../../auth/discovery.js';
import { resourceWarnings } from '../../config/warnings.js';
import { runDoctor } from '../../doctor/run.js';
import { AuthError, isMailbridgeError } from '../../errors.js';
import { messages, t, type Locale } from '../../i18n/index.js';
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
import {
  attemptLines,
  changeNotice,
  consoleFieldRows,
  expiry,
  historyTable,
  idleDays,
  statusBadge,
  warningBanners,
  warningText,
  WARN_TEXT,
} from './resource-status.js';
import { connectBox, devicePages } from './resource-connect.js';

type Reply = Parameters<ConsoleKit['page']>[0];
type Notice = Parameters<typeof changeNotice>[0];

// The mailbox and trigger pages show errors the same way.
export { errorBox } from './fixes.js';

export const RES_TEXT = messages('console.resources', {
  listTitle: { en: 'Resources', ja: 'リソース' },
  newTitle: { en: 'Add a resource', ja: 'リソースの追加' },
  pageTitle: { en: 'Resource {name}', ja: 'リソース {name}' },
  add: { en: 'Add a resource', ja: 'リソースを追加' },
  noResources: { en: 'No resources yet: add one.', ja: 'リソースはまだありません。追加してください。' },
  hName: { en: 'Name', ja: 'リソース名' },
  hKind: { en: 'Server type', ja: 'サーバタイプ' },
  hServer: { en: 'Server', ja: 'サーバ' },
  hUser: { en: 'User', ja: 'ユーザ' },
  hStatus: { en: 'Refresh token status', ja: 'OAuthリフレッシュトークンステータス' },
  hAccess: { en: 'Access token', ja: 'アクセストークン' },
  connectNamed: { en: 'Connect {name}', ja: '{name} を接続' },
  connect: { en: 'Connect', ja: '接続' },
  appOnlyStatus: { en: 'App-only token status', ja: 'アプリ専用トークンの状態' },
  rtStatus: { en: 'Refresh token status', ja: 'リフレッシュ トークンの状態' },
  accessToken: { en: 'access token', ja: 'アクセス トークン' },
  check: { en: 'Check the token now', ja: '今すぐトークンを確認' },
  testSend: { en: 'Test send', ja: 'テスト送信' },
  testReceive: { en: 'Test receive', ja: 'テスト受信' },
  sendLink: { en: 'Send a test message…', ja: 'テスト メッセージを送信…' },
  doctor: { en: 'Run the doctor', ja: '診断を実行' },
  browse: { en: 'Browse the mailbox', ja: 'メールボックスを表示' },
  edit: { en: 'Edit', ja: '編集' },
  rotate: { en: 'Store a new client secret', ja: '新しいクライアントシークレットを保存' },
  duplicate: { en: 'Duplicate', ja: '複製' },
  remove: { en: 'Remove…', ja: '削除…' },
  settings: { en: "Settings (the guide's fields)", ja: '設定 (ガイドの項目)' },
  connected: { en: 'Connected: status {status}.', ja: '接続しました: 状態 {status}。' },
  checkOk: { en: 'The token endpoint gave a new access token just now.', ja: 'トークン エンドポイントから新しいアクセス トークンを取得しました。' },
  checkFailed: { en: 'Checking the token failed:', ja: 'トークンの確認に失敗しました:' },
  testOk: { en: 'Test {action} succeeded: {detail}', ja: 'テスト ({action}) に成功しました: {detail}' },
  testFailed: { en: 'Test {action} failed:', ja: 'テスト ({action}) に失敗しました:' },
  serverSaid: { en: 'The server said:', ja: 'サーバの応答:' },
  details: { en: 'Details', ja: '詳細' },
  doctorTitle: { en: 'Doctor', ja: '診断' },
  doctorNote: {
    en: 'The same checks as `mailbridge doctor`: settings, DNS, TLS, the token, the mail server. Run them on demand.',
    ja: '`mailbridge doctor` と同じ確認 (設定、DNS、TLS、トークン、メールサーバ) をその場で実行します。',
  },
  doctorOk: { en: 'all checks passed', ja: 'すべての確認に合格しました' },
  doctorFailed: { en: 'some checks failed', ja: '失敗した確認があります' },
  fix: { en: 'Fix:', ja: '対処:' },
  back: { en: '← All resources', ja: '← リソース一覧' },
});
/**
 * Resources: the list (status at a glance), the add form, and one resource's page with its whole
 * story: status and history, warnings, Connect (browser, paste, device code), test, doctor.
 */
export function resourcePages(app: FastifyInstance, kit: ConsoleKit): void {
  const { ctx } = kit;

  app.get<{ Querystring: Notice }>('/resources', kit.get, async (req, reply) => {
    const rows = await Promise.all(
      (await ctx.store.listResources()).map(async (r) => ({
        view: await resourceView(ctx.store, r),
        attempts: await ctx.store.listAttempts(r.name),
      })),
    );
    return kit.page(
      reply,
      t(RES_TEXT.listTitle, kit.locale(req)),
      (csrf, locale) =>
        html`${changeNotice(req.query, csrf, locale)}
          <p><a class="button" id="add-resource" href="/console/resources/new">${t(RES_TEXT.add, locale)}</a></p>
          ${resourceTable(rows, csrf, locale, ctx.now())}`,
    );
  });

  const newPage = async (
    req: FastifyRequest,
    reply: Reply,
    o: { error?: unknown; form?: FormValues; secretKept?: string } = {},
    status = 200,
  ) =>
    kit.page(
      reply,
      t(RES_TEXT.newTitle, kit.locale(req)),
      (csrf, locale) =>
        html`${o.error ? errorBox(o.error, { csrf, locale }) : ''}
        ${resourceForm(o.form ?? { callbackUrl: DEFAULT_CALLBACK }, {
          mode: 'add',
          action: '/console/resources',
          csrf,
          hostAccess: ctx.hostAccess.hostAccess,
          secretKept: o.secretKept,
          errorField: fieldOf(o.error),
          error: o.error,
          locale,
        })}`,
      status,
    );

  app.get<{ Querystring: { kind?: string } }>('/resources/new', kit.get, async (req, reply) =>
    newPage(req, reply, { form: { callbackUrl: DEFAULT_CALLBACK, ...(req.query.kind ? { kind: req.query.kind } : {}) } }),
  );

  app.post<{ Body: FormValues }>('/resources', kit.post, async (req, reply) => {
    const secret = takeSecret(kit, req, req.body);
    try {
      const { input, secrets } = splitSecrets(formToInput({ ...req.body, clientSecret: secret?.reveal() }));
      const { resource } = await addResource(ctx.store, input, secrets, ctx.hostAccess);
      return reply.redirect(`/console/resources/${encodeURIComponent(resource.name)}`, 303);
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      return newPage(req, reply, { error: e, form: withoutSecret(req.body), ...keepSecret(kit, req, secret) }, 400);
    }
  });

  app.get<{ Params: { name: string }; Querystring: Notice }>('/resources/:name', kit.get, async (req, reply) =>
    resourcePage(req, req.params.name, reply, (csrf, locale) => changeNotice(req.query, csrf, locale, req.params.name)),
  );

  const resourcePage = async (
    req: FastifyRequest,
    name: string,
    reply: Reply,
    extra?: Html | ((csrf: string, locale: Locale) => Html),
    status = 200,
  ) => {
    const r = await mustGetResource(ctx.store, name);
    const view = await resourceView(ctx.store, r);
    const attempts = await ctx.store.listAttempts(name);
    const history = await ctx.store.listAttemptHistory(name, 50);
    const state = await ctx.store.getTokenState(name);
    const sent = r.oauth ? serviceRedirectUri(r.oauth.callbackUrl, servicePort(req)) : undefined;
    const rows = await fieldTable(ctx.store, r);
    const receive = canReceive(r.kind);
    const enc = encodeURIComponent(name);
    const now = ctx.now();
    const locale = kit.locale(req);
    const idle =
      view.status === 'Available' && state?.refreshToken
        ? idleDays(state.refreshTokenLastUsedAt ?? state.refreshTokenIssuedAt, now)
        : undefined;
    const warnings = [
      ...resourceWarnings(r, { now }).map((w) => ({ id: w.field, ...warningText(w, r, locale, now) })),
      ...(idle !== undefined
        ? [{ id: 'idle', message: t(WARN_TEXT.idle, locale, { days: idle }), hint: t(WARN_TEXT.idleFix, locale) }]
        : []),
    ];
    return kit.page(
      reply,
      t(RES_TEXT.pageTitle, locale, { name }),
      (csrf, loc) => html`<p><a href="/console/resources" id="back-to-list">${t(RES_TEXT.back, loc)}</a></p>
${typeof extra === 'function' ? extra(csrf, loc) : (extra ?? '')}
${warningBanners(warnings, loc)}
<p>${t(r.oauth?.flow === 'client_credentials' ? RES_TEXT.appOnlyStatus : RES_TEXT.rtStatus, loc)}: ${statusBadge(view, attempts, loc, 'status')}
${view.statusReason ? html`<span class="note" id="status-reason">${view.statusReason}</span>` : ''}
· ${t(RES_TEXT.accessToken, loc)}: <span id="expiry">${expiry(view.accessTokenExpiresAt, loc, now)}</span></p>
${attemptLines(attempts, name, csrf, loc, now)}
${r.oauth ? connectBox(r, csrf, loc) : ''}
<p>
${
  r.oauth
    ? html`<form class="inline" method="post" action="/console/resources/${enc}/check">
        <input type="hidden" name="_csrf" value="${csrf}" /><button id="check">${t(RES_TEXT.check, loc)}</button>
      </form>`
    : ''
}
<form class="inline" method="post" action="/console/resources/${enc}/test"><input type="hidden" name="_csrf" value="${csrf}"><button id="test">${t(r.kind === 'smtp' ? RES_TEXT.testSend : RES_TEXT.testReceive, loc)}</button></form>
${canSend(r.kind) ? html`<a id="test-send-link" href="/console/resources/${enc}/send">${t(RES_TEXT.sendLink, loc)}</a>` : ''}
<form class="inline" method="post" action="/console/resources/${enc}/doctor"><input type="hidden" name="_csrf" value="${csrf}"><button id="doctor">${t(RES_TEXT.doctor, loc)}</button></form>
${receive ? html`<a id="browse" href="/console/mail/${enc}">${t(RES_TEXT.browse, loc)}</a>` : ''}
</p>
<p><a id="edit" href="/console/resources/${enc}/edit">${t(RES_TEXT.edit, loc)}</a> · <a id="rotate" href="/console/resources/${enc}/edit#f-clientSecret">${t(RES_TEXT.rotate, loc)}</a>
· <a id="duplicate" href="/console/resources/${enc}/duplicate">${t(RES_TEXT.duplicate, loc)}</a> · <a id="remove" href="/console/resources/${enc}/remove">${t(RES_TEXT.remove, loc)}</a></p>
${historyTable(history, loc, now)}
<h2>${t(RES_TEXT.settings, loc)}</h2>
<table id="fields">${consoleFieldRows(rows, r, sent, loc).map(
        (f) =>
          html`<tr>
            <th scope="row">${f.label}</th>
            <td>${f.value}</td>
          </tr>`,
      )}</table>`,
      status,
    );
  };

  devicePages(app, kit, resourcePage);

  app.post<{ Params: { name: string }; Body: { how?: string } }>('/resources/:name/connect', kit.post, async (req, reply) => {
    const name = req.params.name;
    const enc = encodeURIComponent(name);
    const paste = req.body.how === 'paste';
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
      if (start.completion === 'callback' && !paste) return reply.redirect(start.authorizeUrl, 303);
      return resourcePage(req, name, reply, (csrf, loc) =>
        pasteBox(start, enc, csrf, loc, servicePort(req), start.completion === 'callback'),
      );
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      await ctx.consents.recordStartFailure(name, e);
      return resourcePage(req, name, reply, (csrf, loc) => errorBox(e, { csrf, resource: name, locale: loc }), 400);
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
          (_csrf, loc) => html`<p class="ok" id="consent-result">${t(RES_TEXT.connected, loc, { status: done.status.status })}</p>`,
        );
      } catch (e) {
        if (!isMailbridgeError(e)) throw e;
        return resourcePage(
          req,
          req.params.name,
          reply,
          (csrf, loc) => errorBox(e, { csrf, resource: req.params.name, locale: loc }),
          400,
        );
      }
    },
  );

  app.post<{ Params: { name: string } }>('/resources/:name/check', kit.post, async (req, reply) => {
    const name = req.params.name;
    await mustGetResource(ctx.store, name);
    const check = await ctx.tokens.check(name);
    return resourcePage(req, name, reply, (csrf, loc) =>
      check.ok
        ? html`<p class="ok" id="check-result">${t(RES_TEXT.checkOk, loc)}</p>`
        : html`<div class="err" id="check-result">
            <p>
              <strong>${t(RES_TEXT.checkFailed, loc)}</strong> ${check.error?.message ?? ''} (${check.error?.code ?? ''})
            </p>
            ${fixLine({ code: check.error?.code ?? '', hint: check.error?.hint ?? '' }, name, csrf, loc)}
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
    return resourcePage(req, name, reply, (csrf, loc) => probeBox(result, name, csrf, loc));
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
      (csrf, loc) =>
        html`<section id="doctor-section" aria-labelledby="doctor-heading">
          <h2 id="doctor-heading">${t(RES_TEXT.doctorTitle, loc)}</h2>
          <p class="note">${t(RES_TEXT.doctorNote, loc)}</p>
          <table id="doctor-report">
            ${report.checks.map(
              (c) =>
                html`<tr>
                  <td><span class="badge ${c.status}">${c.status.toUpperCase()}</span></td>
                  <th scope="row">${c.name}</th>
                  <td>${c.detail}${c.fix ? fixLine({ code: c.code ?? '', hint: c.fix }, resource.name, csrf, loc) : ''}</td>
                </tr>`,
            )}
          </table>
          <p id="doctor-summary" class="${report.ok ? 'ok' : 'err'}">
            ${t(report.ok ? RES_TEXT.doctorOk : RES_TEXT.doctorFailed, loc)}
          </p>
        </section>`,
    );
  });
}

export const PASTE_TEXT = messages('console.paste', {
  legend: { en: 'Finish the consent', ja: '同意を完了する' },
  unreachable: {
    en: 'The Callback URL of this resource ({uri}) does not reach this service. Open the sign-in page, sign in, then paste here the whole URL the browser was sent to (an error page there is normal).',
    ja: 'このリソースのコールバックURL ({uri}) はこのサービスに届きません。サインイン ページを開いてサインインし、ブラウザーが移動した先の URL 全体をここに貼り付けてください (移動先がエラー ページになるのは正常です)。',
  },
  chosen: {
    en: 'Open the sign-in page (in any browser), sign in, then paste here the whole URL the browser was sent to.',
    ja: 'サインイン ページを (どのブラウザーでも) 開いてサインインし、ブラウザーが移動した先の URL 全体をここに貼り付けてください。',
  },
  open: { en: 'the sign-in page', ja: 'サインイン ページ' },
  url: { en: 'Redirected URL', ja: 'リダイレクト先の URL' },
  finish: { en: 'Finish', ja: '完了' },
  orBack: {
    en: 'Or let the browser come back by itself: register {uri} on the app (Authentication → Web → Redirect URIs) and set the Callback URL to http://127.0.0.1.',
    ja: 'ブラウザーが自動で戻るようにするには: アプリに {uri} を登録し (認証 → Web → リダイレクト URI)、コールバックURL を http://127.0.0.1 にしてください。',
  },
  setCallback: { en: 'Set the Callback URL', ja: 'コールバックURL を設定' },
});

function pasteBox(
  start: { authorizeUrl: string; redirectUri: string },
  enc: string,
  csrf: string,
  locale: Locale,
  port: number,
  chosen: boolean,
): Html {
  const [before, after] = t(PASTE_TEXT.orBack, locale).split('{uri}');
  return html`<fieldset id="paste">
    <legend>${t(PASTE_TEXT.legend, locale)}</legend>
    <p>
      ${chosen ? t(PASTE_TEXT.chosen, locale) : t(PASTE_TEXT.unreachable, locale, { uri: start.redirectUri })}
      <a id="sign-in-link" href="${start.authorizeUrl}" target="_blank" rel="noopener">${t(PASTE_TEXT.open, locale)}</a>
    </p>
    <form method="post" action="/console/resources/${enc}/finish">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label><span>${t(PASTE_TEXT.url, locale)}</span><input name="redirectUrl" id="redirect-url" size="80" required /></label
      ><button id="finish">${t(PASTE_TEXT.finish, locale)}</button>
    </form>
    ${
      chosen
        ? ''
        : html`<p class="note">
            ${before}<code id="served-callback">${serviceRedirectUri('http://127.0.0.1', port)}</code>${after}
            <a id="edit-callback" href="/console/resources/${enc}/edit#f-callbackUrl">${t(PASTE_TEXT.setCallback, locale)}</a>
          </p>`
    }
  </fieldset>`;
}

function resourceTable(
  rows: { view: ResourceView; attempts: ResourceAttempts[] }[],
  csrf: string,
  locale: Locale,
  now: number,
): Html {
  if (rows.length === 0) return html`<p id="no-resources">${t(RES_TEXT.noResources, locale)}</p>`;
  return html`<table id="resources">
    <tr>
      <th scope="col">${t(RES_TEXT.hName, locale)}</th>
      <th scope="col">${t(RES_TEXT.hKind, locale)}</th>
      <th scope="col">${t(RES_TEXT.hServer, locale)}</th>
      <th scope="col">${t(RES_TEXT.hUser, locale)}</th>
      <th scope="col">${t(RES_TEXT.hStatus, locale)}</th>
      <th scope="col">${t(RES_TEXT.hAccess, locale)}</th>
      <th></th>
    </tr>
    ${rows.map(
      ({ view: v, attempts }) =>
        html`<tr data-resource="${v.name}">
          <td><a href="/console/resources/${encodeURIComponent(v.name)}">${v.name}</a></td>
          <td>${v.kind.toUpperCase()}</td>
          <td>${v.server}</td>
          <td>${v.user}</td>
          <td>${statusBadge(v, attempts, locale)}</td>
          <td>${expiry(v.accessTokenExpiresAt, locale, now)}</td>
          <td>
            <form class="inline" method="post" action="/console/resources/${encodeURIComponent(v.name)}/connect">
              <input type="hidden" name="_csrf" value="${csrf}" /><button
                aria-label="${t(RES_TEXT.connectNamed, locale, { name: v.name })}"
              >
                ${t(RES_TEXT.connect, locale)}
              </button>
            </form>
          </td>
        </tr>`,
    )}
  </table>`;
}

function probeBox(r: ProbeResult, name: string, csrf: string, locale: Locale): Html {
  if (r.ok) return html`<p class="ok" id="test-result">${t(RES_TEXT.testOk, locale, { action: r.action, detail: r.detail })}</p>`;
  const e = r.error;
  return html`<div class="err" id="test-result">
    <p><strong>${t(RES_TEXT.testFailed, locale, { action: r.action })}</strong> ${e?.message ?? r.detail} (${e?.code ?? ''})</p>
    ${e?.hint ? fixLine({ code: e.code, hint: e.hint }, name, csrf, locale) : ''}
    ${
      typeof e?.serverResponse === 'string'
        ? html`<p>${t(RES_TEXT.serverSaid, locale)}</p>
            <pre id="server-response">${e.serverResponse}</pre>`
        : ''
    }
    ${
      e
        ? html`<details>
            <summary>${t(RES_TEXT.details, locale)}</summary>
            <pre>${JSON.stringify(e, null, 2)}</pre>
          </details>`
        : ''
    }
  </div>`;
}
