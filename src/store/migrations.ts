/**
 * The schema, as one list of versions. Each version's statements are plain, portable SQL so that
 * the SQLite store runs them today and a PostgreSQL store can run the very same list:
 * - TEXT for strings, BIGINT for numbers (timestamps are ms since epoch and need 64 bits in
 *   PostgreSQL; SQLite gives BIGINT integer affinity).
 * - Sealed values are TEXT (base64 of the AES-GCM envelope, see seal.ts) rather than BLOB/BYTEA,
 *   whose names and literals differ between the two databases.
 * - No foreign keys or cascades: deleteResource removes the rows of every table in one
 *   transaction, which both databases do the same way.
 * - No autoincrement keys (their syntax differs): ids are made by the application.
 * - Upserts use `INSERT … ON CONFLICT (…) DO UPDATE SET x = excluded.x`, which SQLite (3.24+)
 *   and PostgreSQL (9.5+) spell the same way, so no dialect hooks are needed; a future version
 *   that needs one must add it here, next to the statement, not in one store.
 * Both stores apply `pendingMigrations(current)` in one transaction and record each version in
 * schema_migrations (MIGRATIONS_TABLE). Never edit a released version: add a new one.
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
  {
    // Mailbox triggers. The checkpoint and the delivery row are written in one transaction, so
    // "delivered" and "checkpoint advanced" are a single durable step.
    version: 2,
    statements: [
      `CREATE TABLE triggers (
        name TEXT PRIMARY KEY,
        resource TEXT NOT NULL,
        definition TEXT NOT NULL,
        paused BIGINT NOT NULL,
        pause_reason TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE trigger_secrets (
        trigger_name TEXT PRIMARY KEY,
        sealed TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE trigger_checkpoints (
        trigger_name TEXT PRIMARY KEY,
        uid_validity TEXT,
        last_uid BIGINT,
        dedupe_up_to_uid BIGINT,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE trigger_uidls (
        trigger_name TEXT NOT NULL,
        uidl TEXT NOT NULL,
        seen_at BIGINT NOT NULL,
        PRIMARY KEY (trigger_name, uidl)
      )`,
      `CREATE TABLE trigger_message_ids (
        trigger_name TEXT NOT NULL,
        message_id TEXT NOT NULL,
        delivered_at BIGINT NOT NULL,
        PRIMARY KEY (trigger_name, message_id)
      )`,
      `CREATE TABLE trigger_deliveries (
        id TEXT PRIMARY KEY,
        trigger_name TEXT NOT NULL,
        message_key TEXT NOT NULL,
        message_id TEXT,
        subject TEXT,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        last_error TEXT,
        after_action TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        delivered_at BIGINT
      )`,
      'CREATE UNIQUE INDEX trigger_deliveries_key ON trigger_deliveries (trigger_name, message_key)',
      'CREATE INDEX trigger_deliveries_recent ON trigger_deliveries (trigger_name, updated_at)',
      `CREATE TABLE trigger_events (
        trigger_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        at BIGINT NOT NULL
      )`,
      'CREATE INDEX trigger_events_at ON trigger_events (trigger_name, at)',
    ],
  },
  {
    // The service's own credentials (src/server): API keys (SHA-256 of a 256-bit random key)
    // and the console password (salted scrypt), only ever as hashes. kind = 'api_key' | 'console_password'.
    version: 3,
    statements: [
      `CREATE TABLE server_credentials (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT
      )`,
      'CREATE INDEX server_credentials_kind ON server_credentials (kind)',
    ],
  },
  {
    // Several instances on one database: who is alive (heartbeats) and which instance watches
    // which trigger's mailbox (leases). A lease with a past expires_at is free to take.
    version: 4,
    statements: [
      `CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      `CREATE TABLE leases (
        trigger_name TEXT PRIMARY KEY,
        mailbox TEXT NOT NULL,
        owner TEXT,
        expires_at BIGINT NOT NULL,
        acquired_at BIGINT
      )`,
      'CREATE INDEX leases_owner ON leases (owner, expires_at)',
      'CREATE INDEX leases_mailbox ON leases (mailbox, expires_at)',
    ],
  },
  {
    // EWS and Graph triggers: their checkpoint is an opaque server token (the SyncFolderItems
    // sync state, the Graph deltaLink), kept beside the IMAP columns.
    version: 5,
    statements: ['ALTER TABLE trigger_checkpoints ADD COLUMN sync_state TEXT'],
  },
  {
    // API key scopes (src/server/scopes.ts), space separated. Keys made before have NULL,
    // which the service reads as `read` only (docs/security.md says why).
    version: 6,
    statements: ['ALTER TABLE server_credentials ADD COLUMN scopes TEXT'],
  },
  {
    // The raw source of each dead letter (base64: TEXT in both databases), so a message refused
    // before delivery (unparsable, too large for the target) is kept while the folder moves on.
    // Version 7: 6 is the API key scopes of the same round of work (issue 11); keep both, in order.
    version: 7,
    statements: [
      `CREATE TABLE trigger_dead_letter_sources (
        delivery_id TEXT PRIMARY KEY,
        trigger_name TEXT NOT NULL,
        raw TEXT NOT NULL,
        size BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      'CREATE INDEX trigger_dead_letter_sources_trigger ON trigger_dead_letter_sources (trigger_name)',
    ],
  },
  {
    // The gateway for legacy clients (issue 13): its local users and their use per protocol, the
    // durable spool (a message is answered 250 only once its row is committed), what was relayed
    // (the rate windows: 30 messages a minute and 10,000 recipients a day per mailbox), and the
    // dead letters of permanent failures. Raw messages are base64 TEXT, as in version 7.
    version: 8,
    statements: [
      `CREATE TABLE gateway_users (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        disabled BIGINT NOT NULL,
        send_resource TEXT,
        receive_resource TEXT,
        allowed_from TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE gateway_user_usage (
        name TEXT NOT NULL,
        protocol TEXT NOT NULL,
        logins BIGINT NOT NULL,
        failures BIGINT NOT NULL,
        messages BIGINT NOT NULL,
        last_used_at BIGINT,
        last_address TEXT,
        PRIMARY KEY (name, protocol)
      )`,
      `CREATE TABLE gateway_spool (
        id TEXT PRIMARY KEY,
        resource TEXT NOT NULL,
        principal TEXT NOT NULL,
        source TEXT NOT NULL,
        mail_from TEXT NOT NULL,
        rcpt_to TEXT NOT NULL,
        dsn TEXT NOT NULL,
        raw TEXT NOT NULL,
        size BIGINT NOT NULL,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        next_attempt_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL,
        last_error TEXT,
        possible_duplicate BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      'CREATE INDEX gateway_spool_due ON gateway_spool (state, next_attempt_at)',
      `CREATE TABLE gateway_relayed (
        id TEXT PRIMARY KEY,
        resource TEXT NOT NULL,
        principal TEXT NOT NULL,
        recipients BIGINT NOT NULL,
        size BIGINT NOT NULL,
        upstream_id TEXT,
        via TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        possible_duplicate BIGINT NOT NULL,
        accepted_at BIGINT NOT NULL,
        relayed_at BIGINT NOT NULL
      )`,
      'CREATE INDEX gateway_relayed_window ON gateway_relayed (resource, relayed_at)',
      `CREATE TABLE gateway_dead_letters (
        id TEXT PRIMARY KEY,
        resource TEXT NOT NULL,
        principal TEXT NOT NULL,
        mail_from TEXT NOT NULL,
        rcpt_to TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw TEXT NOT NULL,
        size BIGINT NOT NULL,
        bounce TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    // The last attempt with each resource per area (token endpoint, mail server) and its last
    // failure until the next success (store/attempts.ts), for the console's "as of" status (issue 21).
    // Version 9: 8 is the gateway's table of the same round of work; keep both, in order.
    version: 9,
    statements: [
      `CREATE TABLE resource_attempts (
        resource TEXT NOT NULL,
        area TEXT NOT NULL,
        last_json TEXT NOT NULL,
        failure_json TEXT,
        last_success_at BIGINT,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (resource, area)
      )`,
    ],
  },
  {
    // API key expiry (epoch ms; NULL: the key does not expire, as every key made before).
    // Version 10: 8 and 9 belong to other work of the same round (gateway, console resources).
    version: 10,
    statements: ['ALTER TABLE server_credentials ADD COLUMN expires_at BIGINT'],
  },
  {
    // A trigger's events in the order they happened: `at` has millisecond resolution, so a burst
    // of events shares one and "the newest" (and the prune) was a coin toss. `seq` is made by the
    // application (store/sql/triggers.ts): strictly increasing within an instance, `at` × 1000
    // across instances; earlier rows keep their order from `at`.
    version: 11,
    statements: [
      'ALTER TABLE trigger_events ADD COLUMN seq BIGINT NOT NULL DEFAULT 0',
      'UPDATE trigger_events SET seq = at * 1000',
      'CREATE INDEX trigger_events_seq ON trigger_events (trigger_name, seq)',
    ],
  },
  {
    // Graph change notifications (issue 18): one subscription per `notify` trigger, its
    // clientState sealed, and the queue the public notification endpoint writes into (one row
    // per trigger and kind: duplicates and bursts collapse into one wake-up; the instance that
    // holds the trigger's lease takes the row, so any instance may receive a notification).
    version: 12,
    statements: [
      `CREATE TABLE graph_subscriptions (
        trigger_name TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL UNIQUE,
        resource_path TEXT NOT NULL,
        sealed_client_state TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE graph_notifications (
        trigger_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        PRIMARY KEY (trigger_name, kind)
      )`,
    ],
  },
  {
    // EWS streaming notifications (store/sql/ews-streaming.ts): a trigger's subscription and the
    // last watermark seen, so a restart within the subscription's life reopens it instead of
    // subscribing again.
    version: 13,
    statements: [
      `CREATE TABLE ews_streaming_subscriptions (
        trigger_name TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        watermark TEXT,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    // The gateway's message rate limits per gateway user and per source network (issue 13): one
    // row per submission and per key it counts against (`user:NAME`, `source:ADDRESS`,
    // `net:CIDR`), so the windows (a minute, an hour) survive a restart. Rows older than the
    // longest window are pruned as new ones come (store/sql/gateway.ts).
    version: 14,
    statements: [
      `CREATE TABLE gateway_submissions (
        rate_key TEXT NOT NULL,
        at BIGINT NOT NULL
      )`,
      'CREATE INDEX gateway_submissions_window ON gateway_submissions (rate_key, at)',
    ],
  },
  {
    // Every attempt with a resource, not only the last per area (version 9 keeps that): the
    // console's history of consents, refreshes, rotations and failures with their AADSTS codes
    // (issue 17). `seq` is made by the application (store/sql/attempts.ts); the newest rows are
    // kept, older ones pruned.
    version: 15,
    statements: [
      `CREATE TABLE resource_events (
        resource TEXT NOT NULL,
        seq BIGINT NOT NULL,
        area TEXT NOT NULL,
        outcome_json TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (resource, seq)
      )`,
    ],
  },
  {
    // What the console's triggers page shows of a delivery: how long its last attempt took (the
    // latency graph) and what was sent and answered (the request payload and the target's
    // answer, capped, sealed like the other values that carry mail or secrets).
    version: 16,
    statements: [
      'ALTER TABLE trigger_deliveries ADD COLUMN duration_ms BIGINT',
      'ALTER TABLE trigger_deliveries ADD COLUMN sealed_exchange TEXT',
    ],
  },
  {
    // The gateway spool's message bytes in a table of their own. A row is rewritten whole on any
    // update, so every claim, retry and reschedule of a spooled message rewrote its bytes too
    // (a 30 MB message: 40 MB of base64 into the WAL per state change).
    version: 17,
    statements: [
      'CREATE TABLE gateway_spool_raw (id TEXT PRIMARY KEY, raw TEXT NOT NULL)',
      'INSERT INTO gateway_spool_raw (id, raw) SELECT id, raw FROM gateway_spool',
      'ALTER TABLE gateway_spool DROP COLUMN raw',
    ],
  },
];

/** The versions after `current` (the highest recorded in schema_migrations), in order. */
export function pendingMigrations(current: number): readonly Migration[] {
  return MIGRATIONS.filter((m) => m.version > current);
}

/** Where the applied versions are recorded (same statement in both databases). */
export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)';
