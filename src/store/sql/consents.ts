import { aad, consentFromRow, type ConsentRow } from '../rows.js';
import type { ConsentStore } from '../store.js';
import type { SqlContext } from './context.js';

/** Consents in flight: the OAuth state and its PKCE verifier, taken exactly once. */
export function sqlConsentStore({ db, sealer, now }: SqlContext): ConsentStore {
  return {
    async putPendingConsent(p) {
      const sealed = p.codeVerifier
        ? sealer.seal(p.codeVerifier.reveal(), aad.codeVerifier(p.state, p.resource))
        : null;
      await db.transaction(async (tx) => {
        // Abandoned consents pile up otherwise: clear the expired ones on every new one.
        await tx.run('DELETE FROM pending_consents WHERE expires_at <= ?', [now()]);
        await tx.run(
          `INSERT INTO pending_consents (state, resource, sealed_code_verifier, redirect_uri, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?)`,
          [p.state, p.resource, sealed, p.redirectUri, p.createdAt, p.expiresAt],
        );
      });
    },

    async takePendingConsent(state) {
      // DELETE … RETURNING (SQLite 3.35+, PostgreSQL): of two callers with the same state, one
      // gets the row, the other none.
      const row = await db.get<ConsentRow>('DELETE FROM pending_consents WHERE state = ? RETURNING *', [state]);
      // An expired consent is refused like an unknown one (and is gone now either way).
      if (!row || row.expires_at <= now()) return undefined;
      return consentFromRow(sealer, row);
    },
  };
}
