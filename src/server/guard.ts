import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';
import { unauthorized } from './errors.js';
import { SESSION_COOKIE } from './sessions.js';

/**
 * Who may call a route, from its `config.auth`:
 * - `key` (default): an API key, `authorization: Bearer mbk_…`;
 * - `session`: a console login (cookie); console pages redirect to the login page instead;
 * - `key-or-session`: either (OpenAPI document, metrics);
 * - `public`: health, the OAuth callback (protected by its state), the login page.
 */
export type RouteAuth = 'key' | 'session' | 'key-or-session' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export function installGuard(app: FastifyInstance, ctx: ServerContext): void {
  app.addHook('onRequest', async (req, reply) => {
    const auth: RouteAuth = req.routeOptions.config.auth ?? 'key';
    if (auth === 'public') return;
    const session = ctx.sessions.valid(req.cookies[SESSION_COOKIE]);
    if (auth === 'session' || auth === 'key-or-session') {
      if (session) return;
      if (auth === 'key-or-session' && (await hasKey(req, ctx))) return;
      if (auth === 'session' && req.method === 'GET') return reply.redirect(`/console/login?next=${encodeURIComponent(req.url)}`);
      throw unauthorized(auth === 'session' ? 'log in to the console first (/console/login)' : 'send `authorization: Bearer mbk_…` or log in to the console');
    }
    if (!(await hasKey(req, ctx))) {
      throw unauthorized('send the header `authorization: Bearer mbk_…` with an API key (create one in the console under API keys)');
    }
  });
}

async function hasKey(req: FastifyRequest, ctx: ServerContext): Promise<boolean> {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] !== undefined && (await ctx.credentials.verifyApiKey(m[1])) !== undefined;
}
