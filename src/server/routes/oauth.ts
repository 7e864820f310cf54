import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TokenStatusReport } from '../../auth/token-manager.js';
import { escapeHtml } from '../console/html.js';
import type { ServerContext } from '../context.js';
import { toErrorBody } from '../errors.js';
import { TOKEN_BLOCKED, errorAnswers, idParams, json, nameParams, zodValidated } from '../schemas/common.js';
import {
  callbackParams as callbackParamsSchema,
  consentDoneSchema,
  consentQuery,
  consentStartSchema,
  deviceFlowSchema,
  finishConsentBody,
  refreshedSchema,
  revokedSchema,
  tokenStatusSchema,
} from '../schemas/oauth.js';

/**
 * Consent and tokens. Start → the authorize URL (PKCE S256 + a state only this service
 * issued); the browser comes back to /oauth/callback (or `/`, for apps registered with the
 * bare loopback URI `http://127.0.0.1`, as the sandbox's default app is), by query or by
 * form_post; the state is checked, the code exchanged with the verifier, the grant stored.
 * Also the device code flow, the status, a forced refresh and the local revoke.
 */
export function oauthRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    const tags = ['oauth'];
    const notFound = { 404: ['RESOURCE_NOT_FOUND'] } as const;

    app.post(
      '/api/resources/:name/consent',
      {
        schema: {
          tags,
          operationId: 'startConsent',
          summary: 'Start a browser consent',
          description:
            'The authorize URL to open in a browser (PKCE S256, a state only this service issued). ' +
            'With ?redirect=true the answer is a 303 to it instead.',
          params: nameParams,
          querystring: consentQuery,
          response: {
            200: json('The consent to open.', consentStartSchema),
            303: z.undefined().describe('With redirect=true: a redirect to the authorize URL (Location).'),
            ...errorAnswers({ 400: ['CONSENT_FLOW_MISMATCH'], ...notFound }),
          },
        },
      },
      async (req, reply) => {
        const start = await ctx.consents.start(req.params.name, { servicePort: servicePort(req) });
        if (req.query.redirect) return reply.redirect(start.authorizeUrl, 303);
        return start;
      },
    );

    app.post(
      '/api/resources/:name/consent/finish',
      {
        schema: {
          tags,
          operationId: 'finishConsent',
          summary: 'Finish a consent by pasting the redirect',
          description:
            'Finish a consent with the URL the browser was sent to, when the callback URL is not this service ' +
            "(e.g. the guide's https://localhost).",
          params: nameParams,
          body: finishConsentBody,
          response: {
            200: json('Connected: the refresh token is stored.', consentDoneSchema),
            ...errorAnswers({
              400: ['STATE_UNKNOWN', 'STATE_OTHER_RESOURCE', 'CONSENT_DENIED', 'REDIRECT_URL_INVALID'],
              ...notFound,
              502: ["the token endpoint's AADSTS codes"],
            }),
          },
        },
      },
      async (req) => {
        const done = await ctx.consents.finish(req.body.redirectUrl, req.params.name);
        return { resource: done.resource, status: statusJson(done.status) };
      },
    );

    const callback = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const params = callbackParams(req);
      const html = wantsHtml(req);
      if (
        req.url.split('?')[0] === '/' &&
        req.method === 'GET' &&
        ![...params.keys()].some((k) => ['code', 'state', 'error'].includes(k))
      ) {
        return reply.redirect('/console/');
      }
      try {
        const done = await ctx.consents.finish(params, undefined, { reload: html });
        if (!html) return { resource: done.resource, status: statusJson(done.status) };
        const back = done.returnTo ?? `/console/resources/${encodeURIComponent(done.resource)}`;
        // A page, not a redirect: after a cross-site redirect chain the browser would not send
        // the console's SameSite=Strict cookie; a click (or the meta refresh) is a fresh navigation.
        return reply
          .type('text/html; charset=utf-8')
          .send(
            page(
              'Connected',
              `<p id="consent-result">${escapeHtml(done.resource)}: refresh token status <strong>${escapeHtml(done.status.status)}</strong>.</p>` +
                // A reload shows the result it had, not STATE_UNKNOWN (the state was used once, by the first load).
                (done.finishedAt
                  ? `<p id="consent-again">This consent was finished at ${escapeHtml(new Date(done.finishedAt).toISOString())}; this page was loaded again.</p>`
                  : '') +
                `<p><a id="back" href="${escapeHtml(back)}">Back to the console</a></p>`,
              back,
            ),
          );
      } catch (e) {
        const { status, body } = toErrorBody(e);
        if (!html) return reply.status(status).send(body);
        return reply
          .status(status)
          .type('text/html; charset=utf-8')
          .send(
            page(
              'Consent not finished',
              `<p id="consent-error">${escapeHtml(body.error.message)} (${escapeHtml(body.error.code)})</p><p>Fix: ${escapeHtml(body.error.hint)}</p>` +
                `<p><a href="/console/">Back to the console</a></p>`,
            ),
          );
      }
    };
    const callbackAnswers = {
      200: {
        description: 'Connected: JSON, or a page for a browser (Accept: text/html).',
        content: { 'application/json': { schema: consentDoneSchema }, 'text/html': { schema: z.string() } },
      },
      ...errorAnswers(
        { 400: ['STATE_UNKNOWN', 'CONSENT_DENIED'], 502: ["the token endpoint's AADSTS codes"] },
        { authenticated: false },
      ),
    };
    const callbackSchema = (method: 'get' | 'post', hide: boolean) => ({
      tags,
      security: [],
      hide,
      operationId: method === 'get' ? 'completeConsent' : 'completeConsentFormPost',
      summary: method === 'get' ? 'OAuth redirect URI (query)' : 'OAuth redirect URI (form_post)',
      description:
        'Where Microsoft sends the browser after consent. Public: protected by the state, which only this ' +
        'service issued and which is used once. Called by the browser, not by API clients.',
      ...(method === 'get'
        ? { querystring: callbackParamsSchema }
        : { body: callbackParamsSchema, consumes: ['application/x-www-form-urlencoded'] }),
      response: callbackAnswers,
    });
    for (const url of ['/oauth/callback', '/']) {
      // Validation stays with the handler: the parameters arrive by query or by form,
      // and an error is a page for a browser.
      plugin.get(
        url,
        { config: { auth: 'public' }, schema: callbackSchema('get', url === '/'), validatorCompiler: zodValidated },
        callback,
      );
      plugin.post(
        url,
        { config: { auth: 'public' }, schema: callbackSchema('post', url === '/'), validatorCompiler: zodValidated },
        callback,
      );
    }

    app.post(
      '/api/resources/:name/device-code',
      {
        schema: {
          tags,
          operationId: 'startDeviceCode',
          summary: 'Start a device code sign-in',
          description:
            'Start a device code sign-in (RFC 8628); show the user code to the person, ' +
            'then poll GET /api/device-codes/{id}.',
          params: nameParams,
          response: {
            200: json('The sign-in in progress.', deviceFlowSchema),
            ...errorAnswers({ ...notFound, 502: ["the token endpoint's AADSTS codes"] }),
          },
        },
      },
      async (req) => ctx.devices.start(req.params.name),
    );

    app.get(
      '/api/device-codes/:id',
      {
        schema: {
          tags,
          operationId: 'getDeviceCode',
          summary: 'Poll a device code sign-in',
          description:
            'A device code sign-in: pending, done (with the refresh token status) or failed (with the error).',
          params: idParams,
          response: {
            200: json('The sign-in.', deviceFlowSchema),
            ...errorAnswers({ 404: ['DEVICE_FLOW_NOT_FOUND'] }),
          },
        },
      },
      async (req) => ctx.devices.get(req.params.id),
    );

    app.get(
      '/api/resources/:name/token',
      {
        schema: {
          tags,
          operationId: 'getTokenStatus',
          summary: 'Get the token status',
          description: 'The refresh token status and why, access token expiry per audience, and warnings.',
          params: nameParams,
          response: { 200: json('The status.', tokenStatusSchema), ...errorAnswers(notFound) },
        },
      },
      async (req) => statusJson(await ctx.tokens.status(req.params.name)),
    );

    app.post(
      '/api/resources/:name/token/refresh',
      {
        schema: {
          tags,
          operationId: 'refreshToken',
          summary: 'Refresh the access token now',
          description:
            'Get a new access token now (also retries a blocked status after its cause was fixed). ' +
            'The token itself stays inside the service: the answer says what it is for and until when.',
          params: nameParams,
          response: {
            200: json('Refreshed.', refreshedSchema),
            ...errorAnswers({ ...notFound, 409: TOKEN_BLOCKED, 502: ["the token endpoint's AADSTS codes"] }),
          },
        },
      },
      async (req) => {
        const t = await ctx.tokens.getAccessToken(req.params.name, { forceRefresh: true, retryBlocked: true });
        // The token itself stays inside the service: callers get what it is for and until when.
        return {
          resource: req.params.name,
          audience: t.audience,
          expiresAt: new Date(t.expiresAt).toISOString(),
          scope: t.scope ?? null,
          status: (await ctx.tokens.status(req.params.name)).status,
        };
      },
    );

    app.delete(
      '/api/resources/:name/token',
      {
        schema: {
          tags,
          operationId: 'revokeToken',
          summary: 'Forget the tokens',
          description:
            'Forget the tokens locally (status Missing). Microsoft has no per-token revoke: the grant stays ' +
            "valid there until it expires unless the user's sessions are revoked or the app's consent removed.",
          params: nameParams,
          response: { 200: json('Forgotten.', revokedSchema), ...errorAnswers(notFound) },
        },
      },
      async (req) => {
        await ctx.tokens.revoke(req.params.name);
        return {
          resource: req.params.name,
          status: 'Missing' as const,
          note: "the grant stays valid at Microsoft until it expires unless the user's sessions are revoked or the app's consent removed",
        };
      },
    );
  };
}

/** The port the browser reaches this service on: the listening socket's, else the Host header's. */
export function servicePort(req: FastifyRequest): number {
  const addr = req.server.server.address() as AddressInfo | string | null;
  if (addr && typeof addr === 'object') return addr.port;
  const m = /:(\d+)$/.exec(req.headers.host ?? '');
  return m?.[1] ? Number(m[1]) : 80;
}

function callbackParams(req: FastifyRequest): URLSearchParams {
  const out = new URLSearchParams();
  const add = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (typeof v === 'string') out.set(k, v);
  };
  add(req.query);
  add(req.body);
  return out;
}

function wantsHtml(req: FastifyRequest): boolean {
  return /text\/html/.test(req.headers.accept ?? '');
}

/** The status with its times as ISO text, as the API answers it. */
export type TokenStatusJson = Omit<
  TokenStatusReport,
  'accessTokens' | 'refreshTokenIssuedAt' | 'refreshTokenLastUsedAt'
> & {
  accessTokens: { audience: string; expiresAt: string | undefined; scope?: string }[];
  refreshTokenIssuedAt: string | undefined;
  refreshTokenLastUsedAt: string | undefined;
};

export function statusJson(r: TokenStatusReport): TokenStatusJson {
  const iso = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  return {
    ...r,
    accessTokens: r.accessTokens.map((a) => ({ ...a, expiresAt: iso(a.expiresAt) })),
    refreshTokenIssuedAt: iso(r.refreshTokenIssuedAt),
    refreshTokenLastUsedAt: iso(r.refreshTokenLastUsedAt),
  };
}

function page(title: string, body: string, refreshTo?: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} · mailbridge</title>` +
    (refreshTo ? `<meta http-equiv="refresh" content="2;url=${escapeHtml(refreshTo)}">` : '') +
    `</head><body style="font-family:system-ui,sans-serif;margin:3em"><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}
