import {
  accessTokenFromRow,
  aad,
  stripUndefined,
  tokenStateFromRow,
  type AccessTokenRow,
  type TokenRow,
} from '../rows.js';
import type { TokenStore } from '../store.js';
import type { SqlContext } from './context.js';

/** The refresh token and its status (one row per resource), and cached access tokens. */
export function sqlTokenStore({ db, sealer, now }: SqlContext): TokenStore {
  return {
    async getTokenState(resource) {
      const row = await db.get<TokenRow>('SELECT * FROM token_states WHERE resource = ?', [resource]);
      return row ? tokenStateFromRow(sealer, resource, row) : undefined;
    },

    async compareAndSetTokenState(resource, expectedVersion, next) {
      const version = expectedVersion + 1;
      const updatedAt = now();
      const sealed = next.refreshToken ? sealer.seal(next.refreshToken.reveal(), aad.refreshToken(resource)) : null;
      const values = [
        next.status,
        next.statusCode ?? null,
        next.statusReason ?? null,
        sealed,
        next.refreshTokenIssuedAt ?? null,
        next.refreshTokenLastUsedAt ?? null,
        next.grantedScope ?? null,
        updatedAt,
      ];
      // One statement each way, so the version check and the write are atomic in both databases:
      // the INSERT loses to an existing row (ON CONFLICT DO NOTHING), the UPDATE re-checks its WHERE
      // on the row it writes, so of two writers expecting the same version exactly one changes a row.
      const changed =
        expectedVersion === 0
          ? await db.run(
              `INSERT INTO token_states (resource, version, status, status_code, status_reason, sealed_refresh_token,
                refresh_token_issued_at, refresh_token_last_used_at, granted_scope, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (resource) DO NOTHING`,
              [resource, version, ...values],
            )
          : await db.run(
              `UPDATE token_states SET version = ?, status = ?, status_code = ?, status_reason = ?,
                sealed_refresh_token = ?, refresh_token_issued_at = ?, refresh_token_last_used_at = ?, granted_scope = ?,
                updated_at = ?
              WHERE resource = ? AND version = ?`,
              [version, ...values, resource, expectedVersion],
            );
      if (changed !== 1) return undefined;
      return { ...stripUndefined(next), version, updatedAt };
    },

    async getAccessToken(resource, audience) {
      const row = await db.get<AccessTokenRow>(
        'SELECT sealed_token, expires_at, scope FROM access_tokens WHERE resource = ? AND audience = ?',
        [resource, audience],
      );
      return row ? accessTokenFromRow(sealer, resource, audience, row) : undefined;
    },

    async putAccessToken(resource, record) {
      const sealed = sealer.seal(record.token.reveal(), aad.accessToken(resource, record.audience));
      await db.run(
        `INSERT INTO access_tokens (resource, audience, sealed_token, expires_at, scope) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (resource, audience) DO UPDATE SET sealed_token = excluded.sealed_token,
            expires_at = excluded.expires_at, scope = excluded.scope`,
        [resource, record.audience, sealed, record.expiresAt, record.scope ?? null],
      );
    },

    async deleteAccessTokens(resource) {
      await db.run('DELETE FROM access_tokens WHERE resource = ?', [resource]);
    },
  };
}
