import { aad } from './rows.js';
import { KEY_TAG_CHARS, type Sealer } from './seal.js';
import type { SecretKind } from './store.js';

/**
 * Every column that holds a sealed value, with what identifies its row and binds its AAD.
 * The key check at start (open.ts) and `mailbridge key rotate` walk this one list, so a new
 * sealed column is covered by adding it here (a test fails when a migration adds a `sealed…`
 * column this list does not name).
 */
export interface SealedColumn {
  table: string;
  column: string;
  /** The columns that identify a row; the AAD is made from them. */
  keys: readonly string[];
  aad(row: Readonly<Record<string, string>>): string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'secrets',
    column: 'sealed',
    keys: ['resource', 'kind'],
    aad: (r) => aad.secret(r.resource!, r.kind as SecretKind),
  },
  {
    table: 'token_states',
    column: 'sealed_refresh_token',
    keys: ['resource'],
    aad: (r) => aad.refreshToken(r.resource!),
  },
  {
    table: 'access_tokens',
    column: 'sealed_token',
    keys: ['resource', 'audience'],
    aad: (r) => aad.accessToken(r.resource!, r.audience!),
  },
  {
    table: 'pending_consents',
    column: 'sealed_code_verifier',
    keys: ['state', 'resource'],
    aad: (r) => aad.codeVerifier(r.state!, r.resource!),
  },
  {
    table: 'trigger_secrets',
    column: 'sealed',
    keys: ['trigger_name'],
    aad: (r) => aad.triggerSecret(r.trigger_name!),
  },
  {
    table: 'trigger_deliveries',
    column: 'sealed_exchange',
    keys: ['id'],
    aad: (r) => aad.deliveryExchange(r.id!),
  },
  {
    table: 'graph_subscriptions',
    column: 'sealed_client_state',
    keys: ['trigger_name'],
    aad: (r) => aad.graphClientState(r.trigger_name!),
  },
];

/** One query for the distinct key tags of every sealed value (same SQL in SQLite and PostgreSQL). */
export const SEALED_KEY_TAGS_SQL = SEALED_COLUMNS.map(
  (c) =>
    `SELECT DISTINCT substr(${c.column}, 1, ${KEY_TAG_CHARS}) AS tag FROM ${c.table} WHERE ${c.column} IS NOT NULL`,
).join(' UNION ');

/** The value of one row sealed again under `next`, bound to the same row. */
export function resealValue(
  current: Sealer,
  next: Sealer,
  c: SealedColumn,
  row: Readonly<Record<string, string>>,
): string {
  const bound = c.aad(row);
  return next.seal(current.unseal(row[c.column]!, bound), bound);
}
