import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer } from '../store/seal.js';
import { openSqliteStore } from '../store/sqlite.js';
import { buildServer } from './app.js';
import { createCredentialStore } from './credentials.js';
import { toSwagger2 } from './swagger2.js';

/**
 * The OpenAPI document as the service serves it, built from a service on a throw-away store
 * (the document depends on the routes only), and its Swagger 2.0 rendition.
 */
export async function openApiDocuments(): Promise<{
  openapi: Record<string, unknown>;
  swagger2: Record<string, unknown>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-openapi-'));
  const store = openSqliteStore({ path: join(dir, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
  try {
    const server = await buildServer({ store, credentials: createCredentialStore(store) });
    try {
      const openapi = server.app.swagger() as unknown as Record<string, unknown>;
      return { openapi, swagger2: toSwagger2(openapi) };
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
