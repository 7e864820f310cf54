import { z } from 'zod';
import { resourceSchema, REFRESH_TOKEN_STATUSES, type Resource } from '../config/resource.js';
import { StoreError } from '../errors.js';
import { Secret } from '../secret.js';
import { triggerDefinitionSchema } from '../config/trigger.js';
import type { Sealer } from './seal.js';
import type {
  AccessTokenRecord, CredentialRow, DeliveryRecord, DeliverySource, DeliveryStatus, LeaseRecord, PendingConsent, SecretKind, TokenState, TriggerRecord,
} from './store.js';

/**
 * The rows both SQL stores read, and how they become Store values. The SQLite and PostgreSQL
 * stores share the schema (migrations.ts), so they share these mappings too: the only
 * difference the drivers leave is numbers, which both hand over as JS numbers (the PostgreSQL
 * pool parses BIGINT into numbers; ms timestamps fit in 53 bits).
 */

/** Additional authenticated data: which row a sealed value belongs to. */
export const aad = {
  secret: (resource: string, kind: SecretKind) => `secret|${resource}|${kind}`,
  refreshToken: (resource: string) => `refresh_token|${resource}`,
  accessToken: (resource: string, audience: string) => `access_token|${resource}|${audience}`,
  codeVerifier: (state: string, resource: string) => `code_verifier|${state}|${resource}`,
  triggerSecret: (name: string) => `trigger_secret|${name}`,
  deliveryExchange: (id: string) => `delivery_exchange|${id}`,
  graphClientState: (trigger: string) => `graph_client_state|${trigger}`,
};

export interface TokenRow {
  version: number;
  status: string;
  status_code: string | null;
  status_reason: string | null;
  sealed_refresh_token: string | null;
  refresh_token_issued_at: number | null;
  refresh_token_last_used_at: number | null;
  granted_scope: string | null;
  updated_at: number;
}

export interface ConsentRow {
  state: string;
  resource: string;
  sealed_code_verifier: string | null;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
}

export interface TriggerRow {
  name: string;
  resource: string;
  definition: string;
  paused: number;
  pause_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeliveryRow {
  id: string;
  trigger_name: string;
  message_key: string;
  message_id: string | null;
  subject: string | null;
  source: string;
  status: string;
  attempts: number;
  last_error: string | null;
  after_action: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface LeaseRow {
  name: string;
  mailbox: string;
  owner: string | null;
  expires_at: number;
  acquired_at: number | null;
}

/** How long delivered Message-IDs are remembered for the UIDVALIDITY rule (90 days). */
export const MESSAGE_ID_MEMORY_MS = 90 * 86_400_000;

/**
 * The newest events kept per trigger: older ones are pruned as new ones arrive, so a mailbox
 * failing for weeks (one `source_error` per outage) cannot grow the table without bound.
 */
export const TRIGGER_EVENTS_KEPT = 1000;

/**
 * A dead letter keeps its raw source up to this size (a replay needs no server copy, a person
 * can read it); a bigger one keeps only its reference and stays on the server, untouched.
 */
export const DEAD_LETTER_SOURCE_MAX_BYTES = 25 * 1024 * 1024;
/** A delivery's kept request and answer are cut at this many characters each (a payload with inline attachments is large). */
export const DELIVERY_EXCHANGE_MAX_CHARS = 32 * 1024;

/**
 * Drops a trigger's events beyond its newest TRIGGER_EVENTS_KEPT (parameters: trigger, trigger, kept):
 * everything as old as the first one past the limit, so ties on `at` can only make it keep fewer.
 */
export const PRUNE_TRIGGER_EVENTS = `DELETE FROM trigger_events WHERE trigger_name = ? AND seq <= (
  SELECT seq FROM trigger_events WHERE trigger_name = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`;

export function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function resourceFromSettings(name: string, settings: string): Resource {
  let json: unknown;
  try {
    json = JSON.parse(settings);
  } catch (e) {
    throw corrupt(name, e);
  }
  const parsed = resourceSchema.safeParse(json);
  if (!parsed.success) throw corrupt(name, parsed.error);
  return parsed.data;
}

export function tokenStateFromRow(sealer: Sealer, resource: string, row: TokenRow): TokenState {
  const status = (REFRESH_TOKEN_STATUSES as readonly string[]).includes(row.status) ? (row.status as TokenState['status']) : 'Missing';
  return {
    ...(row.sealed_refresh_token !== null
      ? { refreshToken: new Secret(sealer.unseal(row.sealed_refresh_token, aad.refreshToken(resource))) }
      : {}),
    status,
    ...(row.status_reason !== null ? { statusReason: row.status_reason } : {}),
    ...(row.status_code !== null ? { statusCode: row.status_code } : {}),
    ...(row.refresh_token_issued_at !== null ? { refreshTokenIssuedAt: row.refresh_token_issued_at } : {}),
    ...(row.refresh_token_last_used_at !== null ? { refreshTokenLastUsedAt: row.refresh_token_last_used_at } : {}),
    ...(row.granted_scope !== null ? { grantedScope: row.granted_scope } : {}),
    version: row.version,
    updatedAt: row.updated_at,
  };
}

export function consentFromRow(sealer: Sealer, row: ConsentRow): PendingConsent {
  return {
    state: row.state,
    resource: row.resource,
    ...(row.sealed_code_verifier !== null
      ? { codeVerifier: new Secret(sealer.unseal(row.sealed_code_verifier, aad.codeVerifier(row.state, row.resource))) }
      : {}),
    redirectUri: row.redirect_uri,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function triggerRecordFromRow(row: TriggerRow): TriggerRecord {
  let json: unknown;
  try {
    json = JSON.parse(row.definition);
  } catch (e) {
    throw corruptTrigger(row.name, e);
  }
  const parsed = triggerDefinitionSchema.safeParse(json);
  if (!parsed.success) throw corruptTrigger(row.name, parsed.error);
  return {
    definition: parsed.data,
    paused: Number(row.paused) !== 0,
    ...(row.pause_reason !== null ? { pauseReason: row.pause_reason } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const deliverySourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('imap'), folder: z.string(), uidValidity: z.string(), uid: z.number().int() }),
  z.object({ kind: z.literal('pop3'), uidl: z.string() }),
  z.object({ kind: z.literal('ews'), folder: z.string(), id: z.string() }),
  z.object({ kind: z.literal('graph'), folder: z.string(), id: z.string() }),
]);
const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['delivered', 'failed', 'dead'];

export function deliveryRecord(row: DeliveryRow): DeliveryRecord {
  let source: DeliverySource;
  try {
    source = deliverySourceSchema.parse(JSON.parse(row.source));
  } catch (e) {
    throw new StoreError({ code: 'STORE_CORRUPT', message: `delivery ${row.id} of trigger "${row.trigger_name}" has an unreadable message reference`,
      hint: 'remove the trigger and add it again, or restore a backup', cause: e });
  }
  return {
    id: row.id,
    trigger: row.trigger_name,
    messageKey: row.message_key,
    ...(row.message_id !== null ? { messageId: row.message_id } : {}),
    ...(row.subject !== null ? { subject: row.subject } : {}),
    source,
    status: (DELIVERY_STATUSES as readonly string[]).includes(row.status) ? (row.status as DeliveryStatus) : 'failed',
    attempts: row.attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.after_action !== null ? { afterAction: row.after_action } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
  };
}

export function leaseRecord(row: LeaseRow, now: number): LeaseRecord {
  const live = row.owner !== null && row.expires_at > now;
  return {
    name: row.name,
    mailbox: row.mailbox,
    ...(live && row.owner !== null ? { owner: row.owner } : {}),
    expiresAt: row.expires_at,
  };
}

function corrupt(name: string, cause: unknown): StoreError {
  return new StoreError({ code: 'STORE_CORRUPT', message: `the stored settings of resource "${name}" cannot be read`, hint: `remove it (mailbridge resource remove ${name}) and add it again, or restore a backup`, cause });
}

function corruptTrigger(name: string, cause: unknown): StoreError {
  return new StoreError({ code: 'STORE_CORRUPT', message: `the stored definition of trigger "${name}" cannot be read`,
    hint: `remove it (mailbridge trigger remove ${name}) and add it again, or restore a backup`, cause });
}

/** A server_credentials row as both databases return it. */
export interface CredentialDbRow {
  id: string;
  kind: string;
  label: string;
  prefix: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
  scopes: string | null;
  expires_at: number | null;
}

export function credentialFromRow(r: CredentialDbRow): CredentialRow {
  return {
    id: r.id, kind: r.kind, label: r.label, prefix: r.prefix, hash: r.hash, createdAt: r.created_at,
    ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
    ...(r.scopes !== null ? { scopes: r.scopes } : {}),
    ...(r.expires_at !== null ? { expiresAt: Number(r.expires_at) } : {}),
  };
}

/** An access_tokens row as both databases return it. */
export interface AccessTokenRow {
  sealed_token: string;
  expires_at: number;
  scope: string | null;
}

export function accessTokenFromRow(sealer: Sealer, resource: string, audience: string, row: AccessTokenRow): AccessTokenRecord {
  return {
    audience,
    token: new Secret(sealer.unseal(row.sealed_token, aad.accessToken(resource, audience))),
    expiresAt: row.expires_at,
    ...(row.scope !== null ? { scope: row.scope } : {}),
  };
}
