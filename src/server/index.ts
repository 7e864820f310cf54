/**
 * The REST service (`mailbridge serve`) as a Fastify app you can embed: the REST API, the OAuth callback, the web
 * console and the OpenAPI document. Listening is the caller's job.
 *
 * @example
 * ```ts
 * import { openStore } from 'mailbridge';
 * import { buildServer, createCredentialStore } from 'mailbridge/server';
 *
 * const store = await openStore({ home: '/var/lib/mailbridge', env: process.env });
 * const server = await buildServer({ store, credentials: createCredentialStore(store) });
 * await server.app.listen({ host: '127.0.0.1', port: 8025 });
 * ```
 *
 * @packageDocumentation
 */
export { buildServer, type MailbridgeServer, type ServerOptions } from './app.js';
export { createCredentialStore, MIN_PASSWORD_LENGTH, type ApiKeyInfo, type CredentialStore } from './credentials.js';
