import formbody from '@fastify/formbody';
import { fastify, type FastifyInstance } from 'fastify';
import type { IdentityAdmin } from './admin.js';
import type { EmulatorContext } from './context.js';
import { stampRequestIds } from './http.js';
import { registerLoginRoutes } from './login.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuthorizeRoutes } from './routes/authorize.js';
import { registerDeviceCodeRoutes } from './routes/devicecode.js';
import { registerIntrospectRoutes } from './routes/introspect.js';
import { registerMetadataRoutes } from './routes/metadata.js';
import { registerTokenRoutes } from './routes/token.js';

/**
 * One Fastify app with every route group; the emulator builds two (HTTP and HTTPS) over the
 * same state. Keep-alive outlives Dovecot's 60 s idle connections so it never meets a
 * half-closed socket.
 */
export async function buildApp(
  ctx: EmulatorContext,
  admin: IdentityAdmin,
  https?: { key: string; cert: string },
): Promise<FastifyInstance> {
  // The routes never touch the raw server, so the HTTPS instance is used through the
  // (HTTP-typed) default FastifyInstance type; the union of both is not callable in TypeScript.
  const app: FastifyInstance = https
    ? (fastify({ https, keepAliveTimeout: 125_000, logger: false }) as unknown as FastifyInstance)
    : fastify({ keepAliveTimeout: 125_000, logger: false });
  await app.register(formbody);
  app.addHook('onRequest', async (req, reply) => stampRequestIds(req, reply));
  // Any other body type reads as text, so the endpoints answer Microsoft's "missing parameter"
  // error instead of Fastify's 415.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  registerMetadataRoutes(app, ctx);
  registerAuthorizeRoutes(app, ctx);
  registerLoginRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  registerDeviceCodeRoutes(app, ctx);
  registerIntrospectRoutes(app, ctx);
  registerAdminRoutes(app, admin);
  return app;
}
