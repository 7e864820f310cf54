import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyInfo } from './credentials.js';
import type { ServerContext } from './context.js';
import { unauthorized } from './errors.js';
import { scopeRefused, scopesAllow } from './scopes.js';
import { SESSION_COOKIE } from './sessions.js';

/**
 * Who may call a route, from its `config.auth`:
 * - `key` (default): an API key, `authorization: Bearer mbk_…`;
 * - `session`: a console login (cookie); console pages redirect to the login page instead;
 * - `key-or-session`: either (OpenAPI document, metrics);
 * - `public`: health, the OAuth callback (protected by its state), the login page.
 * A key must also hold the route's scope (src/server/scopes.ts); a console login is admin.
 */
export type RouteAuth = 'key' | 'session' | 'key-or-session' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/** Bodies a caller may send before authenticating (login form, OAuth form_post callback). */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

export function installGuard(app: FastifyInstance, ctx: ServerContext): void {
  // Authenticated routes are refused in onRequest, before their body is read; public routes
  // read theirs, so they get a small limit unless they set a smaller one themselves.
  app.addHook('onRoute', (route) => {
    if ((route.config as { auth?: RouteAuth }).auth === 'public') route.bodyLimit = Math.min(route.bodyLimit ?? PUBLIC_BODY_LIMIT, PUBLIC_BODY_LIMIT);
  });
  app.addHook('onRequest', async (req, reply) => {
    const auth: RouteAuth = req.routeOptions.config.auth ?? 'key';
    if (auth === 'public') return;
    const session = ctx.sessions.valid(req.cookies[SESSION_COOKIE]);
    if (auth === 'session' || auth === 'key-or-session') {
      if (session) return;
      if (auth === 'session' && req.method === 'GET') return reply.redirect(`/console/login?next=${encodeURIComponent(req.url)}`);
      if (auth === 'session') throw unauthorized('log in to the console first (/console/login)');
    }
    const key = await presentedKey(req, ctx);
    if (!key) {
      throw unauthorized(auth === 'key-or-session' ? 'send `authorization: Bearer mbk_…` or log in to the console'
        : 'send the header `authorization: Bearer mbk_…` with an API key (create one in the console under API keys)');
    }
    // Routes without a scope never get here: installScopes refuses to start with one.
    const needed = req.routeOptions.config.scope ?? 'admin';
    if (!scopesAllow(key.scopes, needed)) throw scopeRefused(needed, key.scopes);
  });
}

async function presentedKey(req: FastifyRequest, ctx: ServerContext): Promise<ApiKeyInfo | undefined> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] === undefined ? undefined : ctx.credentials.verifyApiKey(m[1]);
}
