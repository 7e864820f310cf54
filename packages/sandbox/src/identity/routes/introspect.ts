import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { OAuthError } from '../errors.js';
import { PlainHttpFailure, applyFault } from '../faults.js';
import { formFields, sendError } from '../http.js';
import { verifyOwnToken } from '../tokens.js';

/**
 * Token introspection (RFC 7662 shape) for Dovecot's `passdb oauth2`, in all three of its
 * modes: `post` (form `token=`), `get` (`?token=`) and `auth` (`Authorization: Bearer`).
 * Dovecot does not check `exp` itself, so an expired token must answer `active:false` here.
 *
 * App-only tokens have no user: they are active only when the caller names the mailbox
 * (`mailbox` field/query, or Dovecot's `X-Dovecot-Auth-User` header when `send_auth_headers`
 * is on), that mailbox exists, and the token has at least one role; the username is the mailbox.
 */
export function registerIntrospectRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const f = { ...formFields(req.query), ...formFields(req.body) };
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = f.token || bearer;
    const headerUser = req.headers['x-dovecot-auth-user'];
    const mailbox = f.mailbox ?? (typeof headerUser === 'string' ? headerUser : undefined);
    try {
      const fault = ctx.faults.take({ endpoint: 'introspect' });
      if (fault) await applyFault(fault, {});
    } catch (e) {
      if (e instanceof OAuthError || e instanceof PlainHttpFailure) return sendError(reply, e, ctx.now());
      throw e;
    }
    return reply.header('cache-control', 'no-store').send(token ? await introspect(ctx, token, mailbox) : { active: false });
  };
  app.post('/introspect', handler);
  app.get('/introspect', handler);
}

/** The RFC 7662 answer for a token, judged at the emulator's `now`. */
export async function introspect(ctx: EmulatorContext, token: string, mailbox?: string): Promise<Record<string, unknown>> {
  const inactive = { active: false };
  const claims = await verifyOwnToken(ctx.key, token, ctx.now());
  if (!claims || typeof claims.exp !== 'number') return inactive;
  const issued = ctx.state.accessTokens.get(String(claims.uti));
  const common = {
    active: true,
    aud: claims.aud,
    exp: claims.exp,
    iat: claims.iat,
    client_id: claims.appid ?? claims.azp,
    sub: claims.sub,
    tid: claims.tid,
    token_type: 'bearer',
  };
  if (typeof claims.upn === 'string') {
    const user = ctx.state.user(claims.upn);
    if (!user || user.disabled) return inactive;
    if (ctx.state.isRevoked(user, issued?.seq, issued?.issuedMs ?? (claims.iat ?? 0) * 1000)) return inactive;
    return { ...common, username: user.username, email: user.username, scope: claims.scp ?? '' };
  }
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  const target = ctx.state.user(mailbox);
  if (!target || target.disabled || roles.length === 0) return inactive;
  return { ...common, username: target.username, email: target.username, scope: roles.join(' ') };
}
