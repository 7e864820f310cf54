import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type Locale, localeFromAcceptLanguage, messages, parseLocale, t } from '../../i18n/index.js';
import type { ServerContext } from '../context.js';
import { SESSION_COOKIE, SESSION_TTL_MS } from '../sessions.js';
import { apiPage } from './api-page.js';
import { assetRoutes } from './assets.js';
import { html } from './html.js';
import { dashboardPage } from './dashboard-page.js';
import { gatewayPages } from './gateway-page.js';
import { keyPages } from './keys-page.js';
import { layout } from './layout.js';
import { mailPages } from './mail-page.js';
import { resourceEditPages } from './resource-edit-page.js';
import { resourcePages } from './resources-page.js';
import { SecretDrafts } from './secret-drafts.js';
import { testSendPages } from './test-send-page.js';
import { triggerPages } from './triggers-page.js';

/** What every console page handler gets. */
export interface ConsoleKit {
  ctx: ServerContext;
  /** Renders a page with a fresh CSRF token for its forms, in the viewer's language. */
  page(reply: FastifyReply, title: string, body: (csrf: string, locale: Locale) => ReturnType<typeof html>, status?: number): FastifyReply;
  /** The viewer's language: the `mb_lang` cookie the language switch sets, else the browser's Accept-Language. */
  locale(req: FastifyRequest): Locale;
  /** Options for a state-changing console route: a login and a valid CSRF token. */
  post: { config: { auth: 'session' }; schema: { hide: true }; preHandler: FastifyInstance['csrfProtection'] };
  get: { config: { auth: 'session' }; schema: { hide: true } };
  /** Client secrets typed into a form the server refused, kept for the next try (never in a page). */
  drafts: SecretDrafts;
}

/**
 * The web console: server-rendered HTML, no front-end build. Pages need a console login
 * (session cookie, HttpOnly, SameSite=Strict); every form carries a CSRF token.
 */
export function consolePlugin(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const kit: ConsoleKit = {
      ctx,
      page(reply, title, body, status = 200) {
        const csrf = reply.generateCsrf();
        const locale = kit.locale(reply.request);
        // CSP and the other security headers: security-headers.ts, on every answer.
        return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store')
          .send(layout(title, csrf, body(csrf, locale), { path: reply.request.url.split('?')[0], locale, back: reply.request.url }));
      },
      locale: (req) => parseLocale(req.cookies[LANG_COOKIE]) ?? localeFromAcceptLanguage(req.headers['accept-language']),
      post: { config: { auth: 'session' }, schema: { hide: true }, preHandler: app.csrfProtection },
      get: { config: { auth: 'session' }, schema: { hide: true } },
      drafts: new SecretDrafts(ctx.now),
    };

    const loginPage = async (reply: FastifyReply, o: { next?: string | undefined; failed?: boolean; waitSeconds?: number }, status = 200) => {
      const csrf = reply.generateCsrf();
      const locale = kit.locale(reply.request);
      const has = await ctx.credentials.hasConsolePassword();
      const body = html`${o.failed ? html`<p class="err" id="login-error">${t(m.wrong, locale)}</p>` : ''}
${o.waitSeconds ? html`<p class="err" id="login-throttled">${t(m.throttled, locale, { seconds: o.waitSeconds })}</p>` : ''}
${has ? html`<form method="post" action="/console/login"><input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="next" value="${safeNext(o.next)}">
<label><span>${t(m.password, locale)}</span><input type="password" name="password" id="password" autocomplete="current-password" required></label>
<button id="login">${t(m.login, locale)}</button></form>`
    : html`<p class="err">${t(m.noPassword, locale)} <code>mailbridge console password</code></p>`}`;
      return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store')
        .send(layout(t(m.title, locale), undefined, body, { locale, back: reply.request.url }));
    };

    // The language switch (layout.ts): remembers the choice for a year and returns to the page it was made on.
    // A GET that only sets a preference, so a plain link works (no script, no form, on the login page too).
    app.get<{ Params: { locale: string }; Querystring: { next?: string } }>('/lang/:locale', { config: { auth: 'public' }, schema: { hide: true } },
      async (req, reply) => {
        const locale = parseLocale(req.params.locale);
        if (locale) reply.setCookie(LANG_COOKIE, locale, { path: '/', sameSite: 'lax', httpOnly: true, secure: ctx.secureCookies, maxAge: 365 * 86_400 });
        return reply.redirect(safeNext(req.query.next), 303);
      });

    app.get<{ Querystring: { next?: string; failed?: string } }>('/login', { config: { auth: 'public' }, schema: { hide: true } },
      async (req, reply) => loginPage(reply, { next: req.query.next, failed: req.query.failed !== undefined }));

    // Throttled per client address and overall (login-throttle.ts) before the password is even checked.
    app.post<{ Body: { password?: string; next?: string } }>('/login', {
      config: { auth: 'public' }, schema: { hide: true }, preHandler: app.csrfProtection, bodyLimit: 4096,
    }, async (req, reply) => {
      const wait = ctx.loginThrottle.waitMs(req.ip);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        return loginPage(reply.header('retry-after', String(seconds)), { next: req.body.next, waitSeconds: seconds }, 429);
      }
      if (!(await ctx.credentials.verifyConsolePassword(req.body.password ?? ''))) {
        ctx.loginThrottle.failed(req.ip);
        return reply.redirect(`/console/login?failed=1&next=${encodeURIComponent(safeNext(req.body.next))}`, 303);
      }
      ctx.loginThrottle.succeeded(req.ip);
      reply.setCookie(SESSION_COOKIE, ctx.sessions.create(), {
        path: '/', httpOnly: true, sameSite: 'strict', secure: ctx.secureCookies, maxAge: Math.floor(SESSION_TTL_MS / 1000),
      });
      return reply.redirect(safeNext(req.body.next), 303);
    });

    app.post('/logout', kit.post, async (req: FastifyRequest, reply) => {
      ctx.sessions.destroy(req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/console/login', 303);
    });

    dashboardPage(app, kit);
    resourcePages(app, kit);
    resourceEditPages(app, kit);
    mailPages(app, kit);
    triggerPages(app, kit);
    keyPages(app, kit);
    testSendPages(app, kit);
    apiPage(app, kit);
    assetRoutes(app);
    gatewayPages(app, kit);
  };
}

const m = messages('console.login', {
  title: { en: 'Log in', ja: 'ログイン' },
  wrong: { en: 'Wrong password.', ja: 'パスワードが違います。' },
  throttled: { en: 'Too many failed attempts: try again in {seconds} s.', ja: '失敗が多すぎます。{seconds} 秒後にもう一度お試しください。' },
  password: { en: 'Console password', ja: 'コンソールのパスワード' },
  login: { en: 'Log in', ja: 'ログイン' },
  noPassword: {
    en: 'No console password is set yet. Start the service with MAILBRIDGE_CONSOLE_PASSWORD set, or let mailbridge serve create one (it prints it once), or set a new one on the host with:',
    ja: 'コンソールのパスワードがまだ設定されていません。MAILBRIDGE_CONSOLE_PASSWORD を設定してサービスを起動するか、mailbridge serve に作成させる (一度だけ表示されます) か、ホストで次のコマンドを実行して新しいパスワードを設定してください:',
  },
});

/** The cookie that keeps the language a viewer chose with the console's switch. */
export const LANG_COOKIE = 'mb_lang';

/** Only a path inside the console: never an open redirect to another site. */
function safeNext(next: string | undefined): string {
  return next && /^\/console\/[^/\\]*/.test(next) && !next.startsWith('//') ? next : '/console/';
}
