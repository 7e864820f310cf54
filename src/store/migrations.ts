/**
 * The schema, as one list of versions. Each version's statements are plain, portable SQL so that
 * the SQLite store runs them today and a PostgreSQL store can run the very same list:
 * - TEXT for strings, BIGINT for numbers (timestamps are ms since epoch and need 64 bits in
 *   PostgreSQL; SQLite gives BIGINT integer affinity).
 * - Sealed values are TEXT (base64 of the AES-GCM envelope, see seal.ts) rather than BLOB/BYTEA,
 *   whose names and literals differ between the two databases.
 * - No foreign keys or cascades: deleteResource removes the rows of every table in one
 *   transaction, which both databases do the same way.
 * Never edit a released version: add a new one.
 */
export interface Migration {
  version: number;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE resources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        settings TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE secrets (
        resource TEXT NOT NULL,
        kind TEXT NOT NULL,
        sealed TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (resource, kind)
      )`,
      `CREATE TABLE token_states (
        resource TEXT PRIMARY KEY,
        version BIGINT NOT NULL,
        status TEXT NOT NULL,
        status_code TEXT,
        status_reason TEXT,
        sealed_refresh_token TEXT,
        refresh_token_issued_at BIGINT,
        refresh_token_last_used_at BIGINT,
        granted_scope TEXT,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE access_tokens (
        resource TEXT NOT NULL,
        audience TEXT NOT NULL,
        sealed_token TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        scope TEXT,
        PRIMARY KEY (resource, audience)
      )`,
      `CREATE TABLE pending_consents (
        state TEXT PRIMARY KEY,
        resource TEXT NOT NULL,
        sealed_code_verifier TEXT,
        redirect_uri TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      'CREATE INDEX pending_consents_expires_at ON pending_consents (expires_at)',
    ],
  },
];

/** Where the applied versions are recorded (same statement in both databases). */
export const MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)';
