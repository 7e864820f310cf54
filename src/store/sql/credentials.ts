import { credentialFromRow, type CredentialDbRow } from '../rows.js';
import type { CredentialRowStore } from '../store.js';
import type { SqlContext } from './context.js';

/** The service's own credentials (API keys, the console password), as rows of hashes. */
export function sqlCredentialStore({ db }: SqlContext): CredentialRowStore {
  return {
    async putCredential(r) {
      await db.run(
        `INSERT INTO server_credentials (id, kind, label, prefix, hash, created_at, last_used_at, scopes, expires_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, prefix = excluded.prefix,
            hash = excluded.hash, created_at = excluded.created_at, last_used_at = excluded.last_used_at,
            scopes = excluded.scopes, expires_at = excluded.expires_at`,
        [r.id, r.kind, r.label, r.prefix, r.hash, r.createdAt, r.lastUsedAt ?? null, r.scopes ?? null, r.expiresAt ?? null],
      );
    },

    async getCredential(id) {
      const row = await db.get<CredentialDbRow>('SELECT * FROM server_credentials WHERE id = ?', [id]);
      return row ? credentialFromRow(row) : undefined;
    },

    async listCredentials(kind) {
      const rows = await db.all<CredentialDbRow>(
        `SELECT * FROM server_credentials WHERE kind = ? ORDER BY created_at, id ${db.dialect.byteOrder}`,
        [kind],
      );
      return rows.map(credentialFromRow);
    },

    async deleteCredential(id) {
      return (await db.run('DELETE FROM server_credentials WHERE id = ?', [id])) > 0;
    },

    async touchCredential(id, at) {
      await db.run('UPDATE server_credentials SET last_used_at = ? WHERE id = ?', [at, id]);
    },
  };
}
