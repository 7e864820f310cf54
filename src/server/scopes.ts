import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from './errors.js';

/**
 * The privilege model of the REST API (docs/security.md). An API key carries scopes chosen
 * when it is created; a console login is `admin`. Scopes are named after what the holder may
 * do with the mailboxes, as Gmail's API names them:
 * - `read`: read mail, resources (secrets masked), token status, triggers and their history;
 * - `send`: send mail (and the send test);
 * - `modify`: mark, move, copy and delete messages;
 * - `admin`: everything: resources and their secrets, consent, triggers, API keys.
 * Host access (command/handler targets, file paths) needs `admin` AND the service's
 * `--allow-host-access` opt-in (src/services/host-access.ts).
 */
export const API_SCOPES = ['read', 'send', 'modify', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const apiScopesSchema = z.array(z.enum(API_SCOPES)).min(1);

/** Keys made before scopes existed: read only (least privilege; an admin makes a new key for more). */
export const LEGACY_KEY_SCOPES: readonly ApiScope[] = ['read'];

/**
 * Every key-protected route and the scope it needs, in one table so that a route cannot be
 * added without a decision: installScopes refuses to start a service with an undeclared route.
 */
export const ROUTE_SCOPES: Readonly<Record<string, ApiScope>> = {
  'GET /metrics': 'read',
  'GET /api/resources': 'read',
  'POST /api/resources': 'admin',
  'GET /api/resources/:name': 'read',
  'GET /api/resources/:name/fields': 'read',
  'PATCH /api/resources/:name': 'admin',
  'DELETE /api/resources/:name': 'admin',
  'POST /api/resources/import': 'admin',
  'GET /api/resources/export': 'read',
  'GET /api/resources/:name/doctor': 'read',
  'POST /api/resources/:name/test': 'send',
  'POST /api/resources/:name/consent': 'admin',
  'POST /api/resources/:name/consent/finish': 'admin',
  'POST /api/resources/:name/device-code': 'admin',
  'GET /api/device-codes/:id': 'admin',
  'GET /api/resources/:name/token': 'read',
  'POST /api/resources/:name/token/refresh': 'admin',
  'DELETE /api/resources/:name/token': 'admin',
  'GET /api/mail/:resource/folders': 'read',
  'GET /api/mail/:resource/messages': 'read',
  'GET /api/mail/:resource/messages/:id': 'read',
  'GET /api/mail/:resource/messages/:id/raw': 'read',
  'GET /api/mail/:resource/messages/:id/attachments/:index': 'read',
  'POST /api/mail/:resource/mark': 'modify',
  'POST /api/mail/:resource/move': 'modify',
  'POST /api/mail/:resource/copy': 'modify',
  'POST /api/mail/:resource/delete': 'modify',
  'POST /api/mail/:resource/send': 'send',
  'GET /api/gateway/users': 'admin',
  'POST /api/gateway/users': 'admin',
  'PATCH /api/gateway/users/:name': 'admin',
  'POST /api/gateway/users/:name/password': 'admin',
  'DELETE /api/gateway/users/:name': 'admin',
  'GET /api/gateway/queue': 'admin',
  'GET /api/triggers': 'read',
  'POST /api/triggers': 'admin',
  'GET /api/triggers/:name': 'read',
  'PUT /api/triggers/:name': 'admin',
  'DELETE /api/triggers/:name': 'admin',
  'POST /api/triggers/:name/pause': 'admin',
  'POST /api/triggers/:name/resume': 'admin',
  'GET /api/triggers/:name/history': 'read',
  'POST /api/deliveries/:id/replay': 'admin',
  'GET /api/keys': 'admin',
  'POST /api/keys': 'admin',
  'DELETE /api/keys/:id': 'admin',
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set from ROUTE_SCOPES when the route is registered. */
    scope?: ApiScope;
  }
}

/** Gives every key-protected route its scope from ROUTE_SCOPES; an undeclared route stops the start. */
export function installScopes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { auth?: string; scope?: ApiScope };
    if (config.auth === 'public' || config.auth === 'session') return;
    const method = [route.method].flat()[0] === 'HEAD' ? 'GET' : [route.method].flat()[0];
    const scope = ROUTE_SCOPES[`${method} ${route.url}`];
    if (!scope)
      throw new Error(
        `route ${method} ${route.url} declares no API key scope: add it to ROUTE_SCOPES in src/server/scopes.ts`,
      );
    route.config = { ...config, scope } as typeof route.config;
  });
}

/** `admin` holds every scope; the others only themselves. */
export function scopesAllow(held: readonly ApiScope[], needed: ApiScope): boolean {
  return held.includes('admin') || held.includes(needed);
}

export function scopeRefused(needed: ApiScope, held: readonly ApiScope[]): ServerError {
  return new ServerError(403, {
    code: 'SCOPE_REQUIRED',
    message:
      `this call needs an API key with the scope "${needed}"; ` +
      `this key has ${held.map((s) => `"${s}"`).join(', ')}`,
    hint:
      `create a key with the scope ${needed} (POST /api/keys {"label":…,"scopes":["${needed}"]} ` +
      "or the console's API keys page) and use it",
    details: { needed, held },
  });
}
