import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminInputError, type IdentityAdmin } from '../admin.js';
import { isLoopbackAddress } from '../http.js';

const usernameBody = z.object({ username: z.string() });

/**
 * The admin API over HTTP (JSON, loopback callers only), mirroring IdentityAdmin so the CLI,
 * the rig and other processes can drive an emulator they did not start.
 */
export function registerAdminRoutes(app: FastifyInstance, admin: IdentityAdmin): void {
  app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      if (!isLoopbackAddress(req.socket.remoteAddress)) {
        await reply.code(403).send({ error: 'forbidden', message: 'the admin API answers loopback callers only' });
      }
    });
    scope.setErrorHandler((e, _req, reply) => adminError(reply, e));
    // Bodies go in as `never`: every IdentityAdmin method validates its input with zod itself.

    scope.get('/users', async () => admin.listUsers());
    scope.post('/users', async (req) => admin.upsertUser(req.body as never));
    scope.delete<{ Params: { username: string } }>('/users/:username', async (req, reply) => found(reply, admin.removeUser(req.params.username)));

    scope.get('/apps', async () => admin.listApps());
    scope.post('/apps', async (req) => admin.upsertApp(req.body as never));
    scope.get<{ Params: { clientId: string } }>('/apps/:clientId', async (req, reply) => admin.getApp(req.params.clientId) ?? notFound(reply));
    scope.delete<{ Params: { clientId: string } }>('/apps/:clientId', async (req, reply) => found(reply, admin.removeApp(req.params.clientId)));

    scope.get<{ Querystring: { username?: string; clientId?: string } }>('/consents', async (req) => admin.listConsents(req.query));
    scope.post('/consents', async (req) => {
      admin.grantConsent(req.body as never);
      return { ok: true };
    });
    // DELETE with a JSON body {username, clientId, scopes?} (no scopes: all).
    scope.delete('/consents', async (req) => {
      admin.revokeConsent(req.body as never);
      return { ok: true };
    });

    scope.get('/faults', async () => admin.listFaults());
    scope.post('/faults', async (req) => admin.addFault(req.body as never));
    scope.delete('/faults', async () => {
      admin.clearFaults();
      return { ok: true };
    });
    scope.delete<{ Params: { id: string } }>('/faults/:id', async (req, reply) => found(reply, admin.removeFault(req.params.id)));

    scope.post('/tokens', async (req) => admin.mintAccessToken(req.body as never));
    scope.post('/revoke', async (req) => admin.revokeUser(usernameBody.parse(req.body).username));

    scope.get('/stats', async () => admin.stats());
    scope.delete('/stats', async () => {
      admin.resetStats();
      return { ok: true };
    });
  }, { prefix: '/_admin' });
}

function found(reply: FastifyReply, ok: boolean): FastifyReply | { ok: true } {
  return ok ? { ok: true } : notFound(reply);
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: 'not_found' });
}

/** zod and admin input errors are the caller's fault (400); anything else is ours (500). */
function adminError(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof z.ZodError) return reply.code(400).send({ error: 'invalid_request', message: z.prettifyError(e) });
  if (e instanceof AdminInputError) return reply.code(400).send({ error: 'invalid_request', message: e.message });
  const status = (e as { statusCode?: number }).statusCode;
  if (status && status < 500) return reply.code(status).send({ error: 'invalid_request', message: (e as Error).message });
  return reply.code(500).send({ error: 'server_error', message: e instanceof Error ? e.message : String(e) });
}
