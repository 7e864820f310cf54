import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenStatusReport } from '../../auth/token-manager.js';
import { escapeHtml } from '../console/html.js';
import type { ServerContext } from '../context.js';
import { toErrorBody } from '../errors.js';
import { anyObject, errorResponses, nameParam } from '../schema.js';

/**
 * Consent and tokens. Start → the authorize URL (PKCE S256 + a state only this service
 * issued); the browser comes back to /oauth/callback (or `/`, for apps registered with the
 * bare loopback URI `http://127.0.0.1`, as the sandbox's default app is), by query or by
 * form_post; the state is checked, the code exchanged with the verifier, the grant stored.
 * Also the device code flow, the status, a forced refresh and the local revoke.
 */
export function oauthRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const tags = ['oauth'];

    app.post<{ Params: { name: string }; Querystring: { redirect?: boolean } }>('/api/resources/:name/consent', {
      schema: { tags, summary: 'start a browser consent: the authorize URL (PKCE, state); ?redirect=true answers 303 to it',
        params: nameParam, querystring: { type: 'object', properties: { redirect: { type: 'boolean' } } },
        response: { 200: { type: 'object', properties: {
          resource: { type: 'string' }, authorizeUrl: { type: 'string' }, state: { type: 'string' }, redirectUri: { type: 'string' },
          expiresAt: { type: 'number' }, completion: { type: 'string', enum: ['callback', 'paste'] } } }, ...errorResponses } },
    }, async (req, reply) => {
      const start = await ctx.consents.start(req.params.name, { servicePort: servicePort(req) });
      if (req.query.redirect) return reply.redirect(start.authorizeUrl, 303);
      return start;
    });

    app.post<{ Params: { name: string }; Body: { redirectUrl: string } }>('/api/resources/:name/consent/finish', {
      schema: { tags, summary: 'finish a consent with the URL the browser was sent to (when the callback URL is not this service)',
        params: nameParam, body: { type: 'object', properties: { redirectUrl: { type: 'string', minLength: 1 } }, required: ['redirectUrl'], additionalProperties: false },
        response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      const done = await ctx.consents.finish(req.body.redirectUrl, req.params.name);
      return { resource: done.resource, status: statusJson(done.status) };
    });

    const callback = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const params = callbackParams(req);
      const html = wantsHtml(req);
      if (req.url.split('?')[0] === '/' && req.method === 'GET' && ![...params.keys()].some((k) => ['code', 'state', 'error'].includes(k))) {
        return reply.redirect('/console/');
      }
      try {
        const done = await ctx.consents.finish(params);
        if (!html) return { resource: done.resource, status: statusJson(done.status) };
        const back = done.returnTo ?? `/console/resources/${encodeURIComponent(done.resource)}`;
        // A page, not a redirect: after a cross-site redirect chain the browser would not send
        // the console's SameSite=Strict cookie; a click (or the meta refresh) is a fresh navigation.
        return reply.type('text/html; charset=utf-8').send(page('Connected',
          `<p id="consent-result">${escapeHtml(done.resource)}: refresh token status <strong>${escapeHtml(done.status.status)}</strong>.</p>` +
          `<p><a id="back" href="${escapeHtml(back)}">Back to the console</a></p>`, back));
      } catch (e) {
        const { status, body } = toErrorBody(e);
        if (!html) return reply.status(status).send(body);
        return reply.status(status).type('text/html; charset=utf-8').send(page('Consent not finished',
          `<p id="consent-error">${escapeHtml(body.error.message)} (${escapeHtml(body.error.code)})</p><p>Fix: ${escapeHtml(body.error.hint)}</p>` +
          `<p><a href="/console/">Back to the console</a></p>`));
      }
    };
    const callbackSchema = { tags, summary: 'the OAuth redirect URI (query or form_post); public, protected by the state', security: [] };
    for (const url of ['/oauth/callback', '/']) {
      app.get(url, { config: { auth: 'public' }, schema: { ...callbackSchema, hide: url === '/' } }, callback);
      app.post(url, { config: { auth: 'public' }, schema: { ...callbackSchema, hide: url === '/' } }, callback);
    }

    app.post<{ Params: { name: string } }>('/api/resources/:name/device-code', {
      schema: { tags, summary: 'start a device code sign-in; poll GET /api/device-codes/{id}', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => ctx.devices.start(req.params.name));

    app.get<{ Params: { id: string } }>('/api/device-codes/:id', {
      schema: { tags, summary: 'a device code sign-in: pending, done (with the status) or failed (with the error)',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => ctx.devices.get(req.params.id));

    app.get<{ Params: { name: string } }>('/api/resources/:name/token', {
      schema: { tags, summary: 'refresh token status, why, access token expiry and warnings', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => statusJson(await ctx.tokens.status(req.params.name)));

    app.post<{ Params: { name: string } }>('/api/resources/:name/token/refresh', {
      schema: { tags, summary: 'get a new access token now (also retries a blocked status after the cause was fixed)', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      const t = await ctx.tokens.getAccessToken(req.params.name, { forceRefresh: true, retryBlocked: true });
      // The token itself stays inside the service: callers get what it is for and until when.
      return { resource: req.params.name, audience: t.audience, expiresAt: new Date(t.expiresAt).toISOString(), scope: t.scope ?? null,
        status: (await ctx.tokens.status(req.params.name)).status };
    });

    app.delete<{ Params: { name: string } }>('/api/resources/:name/token', {
      schema: { tags, summary: 'forget the tokens locally (status Missing); Microsoft has no per-token revoke', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      await ctx.tokens.revoke(req.params.name);
      return { resource: req.params.name, status: 'Missing',
        note: 'the grant stays valid at Microsoft until it expires unless the user\'s sessions are revoked or the app\'s consent removed' };
    });
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

export function statusJson(r: TokenStatusReport): Record<string, unknown> {
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    ...r,
    accessTokens: r.accessTokens.map((a) => ({ ...a, expiresAt: iso(a.expiresAt) })),
    refreshTokenIssuedAt: iso(r.refreshTokenIssuedAt),
    refreshTokenLastUsedAt: iso(r.refreshTokenLastUsedAt),
  };
}

function page(title: string, body: string, refreshTo?: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} · mailbridge</title>` +
    (refreshTo ? `<meta http-equiv="refresh" content="2;url=${escapeHtml(refreshTo)}">` : '') +
    `</head><body style="font-family:system-ui,sans-serif;margin:3em"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

