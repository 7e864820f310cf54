import type { Resource } from '../../config/resource.js';
import { Secret } from '../../secret.js';
import { aad, resourceFromSettings } from '../rows.js';
import type { ResourceStore, SecretKind } from '../store.js';
import type { SqlContext } from './context.js';

/** Tables whose rows belong to a resource (column `resource`), removed with it. */
const RESOURCE_TABLES = [
  'secrets',
  'token_states',
  'access_tokens',
  'pending_consents',
  'resource_attempts',
  'resource_events',
];

/** Resources (their settings as JSON) and their sealed secrets. */
export function sqlResourceStore({ db, sealer, now }: SqlContext): ResourceStore {
  return {
    async putResource(resource: Resource) {
      const t = now();
      await db.run(
        `INSERT INTO resources (name, kind, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, settings = excluded.settings,
            updated_at = excluded.updated_at`,
        [resource.name, resource.kind, JSON.stringify(resource), t, t],
      );
    },

    async getResource(name) {
      const row = await db.get<{ settings: string }>('SELECT settings FROM resources WHERE name = ?', [name]);
      return row ? resourceFromSettings(name, row.settings) : undefined;
    },

    async listResources() {
      const rows = await db.all<{ name: string; settings: string }>(
        `SELECT name, settings FROM resources ORDER BY name ${db.dialect.byteOrder}`,
      );
      return rows.map((r) => resourceFromSettings(r.name, r.settings));
    },

    async deleteResource(name) {
      return db.transaction(async (tx) => {
        for (const table of RESOURCE_TABLES) await tx.run(`DELETE FROM ${table} WHERE resource = ?`, [name]);
        return (await tx.run('DELETE FROM resources WHERE name = ?', [name])) > 0;
      });
    },

    async putSecret(resource: string, kind: SecretKind, value: Secret) {
      const sealed = sealer.seal(value.reveal(), aad.secret(resource, kind));
      await db.run(
        `INSERT INTO secrets (resource, kind, sealed, updated_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (resource, kind) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [resource, kind, sealed, now()],
      );
    },

    async getSecret(resource, kind) {
      const row = await db.get<{ sealed: string }>('SELECT sealed FROM secrets WHERE resource = ? AND kind = ?', [
        resource,
        kind,
      ]);
      return row ? new Secret(sealer.unseal(row.sealed, aad.secret(resource, kind))) : undefined;
    },
  };
}
