import type { Resource, RefreshTokenStatus } from '../config/resource.js';
import type { Secret } from '../secret.js';
import type { AttemptStore } from './attempts.js';
import type { Sealer } from './seal.js';
import type { TriggerDefinition } from '../config/trigger.js';
import type { GatewayStore } from './gateway.js';
import type { GraphNotifyStore } from './graph-notify.js';

/**
 * The one persistence interface: every slice below, and `close`. One implementation, the SQL
 * store (store/sql/), runs on SQLite (embedded default) or PostgreSQL; which one is decided once,
 * by configuration (store/open.ts). Every method is async so both fit. Secrets are sealed with
 * AES-256-GCM before they touch disk and unsealed on read; callers only ever see Secret objects.
 *
 * Code that needs only part of it takes that slice (`TokenStore`, `TriggerStore`, …).
 */
export interface Store
  extends ResourceStore, TokenStore, ConsentStore, TriggerStore, CoordinationStore, CredentialRowStore, SealingStore,
    GatewayStore, AttemptStore, GraphNotifyStore, EwsStreamingStore {
  /** Closes the database connections; the store is unusable after. */
  close(): Promise<void>;
}

/**
 * EWS streaming subscriptions of triggers (src/mail/ews-streaming.ts): the subscription id and
 * the last watermark seen, so a restart reopens the subscription while the server keeps it.
 */
export interface EwsStreamingStore {
  getEwsStreamingState(trigger: string): Promise<EwsStreamingState | undefined>;
  /** Inserts or replaces the trigger's subscription. */
  putEwsStreamingState(trigger: string, state: EwsStreamingState): Promise<void>;
  /** Forgets it (the server no longer knows it). */
  deleteEwsStreamingState(trigger: string): Promise<void>;
}

/** A trigger's EWS streaming subscription as stored. */
export interface EwsStreamingState {
  subscriptionId: string;
  /** The watermark of the last event seen (undefined before the first). */
  watermark?: string;
}

/** Resources (non-secret settings) and their secrets (client secret, basic password, certificate key passphrase). */
export interface ResourceStore {
  /** Inserts or replaces the resource's settings. */
  putResource(resource: Resource): Promise<void>;
  /**
   * The resource named `name`, or undefined.
   * @throws StoreError `STORE_CORRUPT` when its stored settings no longer parse.
   */
  getResource(name: string): Promise<Resource | undefined>;
  /** Every resource, sorted by name. */
  listResources(): Promise<Resource[]>;
  /** Removes the resource with its secrets, tokens and pending consents. */
  deleteResource(name: string): Promise<boolean>;

  /** Seals and stores one secret of a resource (replacing the one of the same kind). */
  putSecret(resource: string, kind: SecretKind, value: Secret): Promise<void>;
  /**
   * The secret unsealed, or undefined when none is stored.
   * @throws StoreError `SEAL_WRONG_KEY` or `SEAL_TAMPERED` when it cannot be unsealed.
   */
  getSecret(resource: string, kind: SecretKind): Promise<Secret | undefined>;
}

/** The refresh token and its status (one per resource), and cached access tokens (one per resource and audience). */
export interface TokenStore {
  /** The resource's refresh token state (the token unsealed), or undefined before the first consent. */
  getTokenState(resource: string): Promise<TokenState | undefined>;
  /**
   * Atomically replace the token state if its version is still `expectedVersion`
   * (optimistic concurrency: a rotated refresh token is never overwritten by an older one).
   * Returns the stored state with its new version, or undefined if the version moved on.
   */
  compareAndSetTokenState(
    resource: string,
    expectedVersion: number,
    next: TokenStateInput,
  ): Promise<TokenState | undefined>;

  /** The cached access token for this audience (possibly expired: the caller checks `expiresAt`). */
  getAccessToken(resource: string, audience: string): Promise<AccessTokenRecord | undefined>;
  /** Seals and caches an access token, replacing the one of the same audience. */
  putAccessToken(resource: string, record: AccessTokenRecord): Promise<void>;
  /** Forgets every cached access token of the resource (after a new consent or a revocation). */
  deleteAccessTokens(resource: string): Promise<void>;
}

/** Consents in flight: state → PKCE verifier, taken exactly once. */
export interface ConsentStore {
  /** Remembers a consent just started; expired ones are cleared on the way. */
  putPendingConsent(p: PendingConsent): Promise<void>;
  /** Returns and deletes the pending consent for this state; undefined if unknown or used. */
  takePendingConsent(state: string): Promise<PendingConsent | undefined>;
}

/** Which secret of a resource: the app's client secret, or a basic-auth password. */
export type SecretKind = 'client_secret' | 'password';

/** A resource's refresh token and what is known about it (the token manager keeps it). */
export interface TokenState {
  refreshToken?: Secret;
  status: RefreshTokenStatus;
  /** Why the status is what it is (AADSTS code and Microsoft's text, never a token). */
  statusReason?: string;
  statusCode?: string;
  /** When the current refresh token was issued (ms since epoch). */
  refreshTokenIssuedAt?: number;
  /** Last time a refresh with it succeeded (ms since epoch): drives the 90-day warning. */
  refreshTokenLastUsedAt?: number;
  /** Scopes granted at consent, as the token endpoint reported them. */
  grantedScope?: string;
  /** Bumped on every write; starts at 1. 0 means "no row yet" for compareAndSet. */
  version: number;
  updatedAt: number;
}
/** A token state to write: the store sets `version` and `updatedAt`. */
export type TokenStateInput = Omit<TokenState, 'version' | 'updatedAt'>;

/** A cached access token for one audience (sealed in the store). */
export interface AccessTokenRecord {
  audience: string;
  token: Secret;
  /** ms since epoch. */
  expiresAt: number;
  scope?: string;
}

/** A consent in flight: the OAuth `state` it was started with and its PKCE verifier. */
export interface PendingConsent {
  state: string;
  resource: string;
  codeVerifier?: Secret;
  redirectUri: string;
  createdAt: number;
  /** ms since epoch; expired consents are refused like unknown ones. */
  expiresAt: number;
}

// --- mailbox triggers (src/triggers): definitions, checkpoints, delivery history ---

/** What mailbox triggers keep: definitions, checkpoints, delivery history, events. */
export interface TriggerStore {
  /** Inserts or replaces the definition; the paused state and the checkpoint are kept. */
  putTrigger(definition: TriggerDefinition): Promise<void>;
  /**
   * The trigger with its paused state, or undefined.
   * @throws StoreError `STORE_CORRUPT` when its stored definition no longer parses.
   */
  getTrigger(name: string): Promise<TriggerRecord | undefined>;
  /** Every trigger, sorted by name. */
  listTriggers(): Promise<TriggerRecord[]>;
  /** Removes the trigger with its secret, checkpoint, delivery history, seen UIDLs and events. */
  deleteTrigger(name: string): Promise<boolean>;
  /** False if there is no such trigger. */
  setTriggerPaused(name: string, paused: boolean, reason?: string): Promise<boolean>;

  /** The webhook's HMAC key, sealed like a client secret (its own table, bound to the trigger). */
  putTriggerSecret(name: string, value: Secret): Promise<void>;
  /** The webhook's HMAC key unsealed, or undefined. */
  getTriggerSecret(name: string): Promise<Secret | undefined>;

  /** Where the trigger is in its folder, or undefined before its first start. */
  getTriggerCheckpoint(name: string): Promise<TriggerCheckpoint | undefined>;
  /** Replaces the checkpoint (first start, UIDVALIDITY change, messages skipped by the filter). */
  putTriggerCheckpoint(name: string, checkpoint: TriggerCheckpointInput): Promise<void>;
  /** POP3: every UIDL the trigger has finished with (delivered, dead or filtered out). */
  listTriggerUidls(name: string): Promise<string[]>;
  /** POP3: remembers these UIDLs as finished with (ones already known are kept). */
  addTriggerUidls(name: string, uidls: readonly string[]): Promise<void>;
  /** Forgets UIDLs no longer on the server (they are not reused, RFC 1939 §7). */
  pruneTriggerUidls(name: string, keep: readonly string[]): Promise<void>;
  /** True if a message with this Message-ID was delivered by the trigger (recent memory). */
  wasMessageIdDelivered(name: string, messageId: string): Promise<boolean>;

  /**
   * Records one delivery outcome and, in the same transaction, advances the checkpoint
   * (IMAP last UID, POP3 UIDL) and remembers the Message-ID, so "delivered" and "checkpoint
   * moved" are one durable step. Upserts by (trigger, messageKey).
   */
  recordDelivery(outcome: DeliveryOutcome): Promise<DeliveryRecord>;
  /** Notes the after-processing action's result on a delivered message. */
  setDeliveryAfterAction(id: string, result: { ok: true } | { ok: false; error: string }): Promise<void>;
  /** One delivery by its id, or undefined. */
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /** The raw source kept with a dead letter; undefined when none was kept (too large, or delivered since). */
  getDeliverySource(id: string): Promise<Buffer | undefined>;
  /** The delivery of one message (by the trigger's message key), or undefined. */
  findDelivery(trigger: string, messageKey: string): Promise<DeliveryRecord | undefined>;
  /** Newest first. */
  listDeliveries(trigger: string, opts?: { status?: DeliveryStatus; limit?: number }): Promise<DeliveryRecord[]>;
  /** What the last attempt of a delivery sent and got back (undefined for rows recorded before it was kept). */
  getDeliveryExchange(id: string): Promise<DeliveryExchange | undefined>;
  /** Every delivery of the trigger last updated at or after `since` (ms), oldest first: the console's graphs. */
  listDeliveryTimings(trigger: string, since: number): Promise<DeliveryTiming[]>;

  /** Appends an event; only the newest TRIGGER_EVENTS_KEPT of the trigger are kept. */
  addTriggerEvent(name: string, kind: string, message: string): Promise<void>;
  /** Newest first. */
  listTriggerEvents(name: string, limit?: number): Promise<TriggerEvent[]>;
}

// --- several instances on one database (PostgreSQL): token refresh lock, heartbeats, leases ---

/**
 * What lets identical instances share one database without other coordination. Times are ms
 * since epoch from each instance's clock (the store's `now`): instances are expected to run
 * NTP-synchronised clocks, and lease times (seconds) dwarf the skew that allows.
 */
export interface CoordinationStore {
  /**
   * Runs `work` while holding the lock of this resource's token: at most one holder at a time
   * across every instance using the store (PostgreSQL: an advisory transaction lock; SQLite,
   * the single-host embedded store: within this process, while the compare-and-set on the
   * token state keeps other processes from overwriting a newer refresh token). Work done
   * inside uses the store as usual; the lock is released when it settles, or when the holder's
   * connection dies.
   */
  withResourceLock<T>(resource: string, work: () => Promise<T>): Promise<T>;

  /** Says this instance is alive until now + ttlMs (inserted on first call). */
  heartbeat(instanceId: string, ttlMs: number): Promise<void>;
  /** A clean shutdown: the instance no longer counts as live. */
  removeInstance(instanceId: string): Promise<void>;
  /** Ids of instances whose heartbeat has not expired, sorted. */
  listLiveInstances(): Promise<string[]>;

  /**
   * Takes free leases (never held, released, or expired) among `candidates` for `owner`, as
   * many as keep its live leases at most `max`, never letting one mailbox have more than
   * `perMailboxLimit` live leases. One acquisition at a time across instances, so two
   * instances never take the same lease. Returns the names newly taken.
   */
  acquireLeases(req: LeaseRequest): Promise<string[]>;
  /** Extends the owner's live leases to now + ttlMs; returns the names it still holds. */
  renewLeases(owner: string, ttlMs: number): Promise<string[]>;
  /** Frees the owner's leases (all, or these names) at once, for another instance to take. */
  releaseLeases(owner: string, names?: readonly string[]): Promise<void>;
  /** Every lease row, sorted by name; `owner` only on a live lease. */
  listLeases(): Promise<LeaseRecord[]>;
}

/** What {@link CoordinationStore.acquireLeases} is asked for. */
export interface LeaseRequest {
  owner: string;
  /** The triggers this instance could watch, with the mailbox each connects to. */
  candidates: readonly { name: string; mailbox: string }[];
  /** The most live leases the owner may hold after this call (its fair share). */
  max: number;
  perMailboxLimit: number;
  ttlMs: number;
}

/** One mailbox lease as stored (a trigger watched by at most one instance). */
export interface LeaseRecord {
  /** The trigger's name. */
  name: string;
  /** What the per-mailbox limit counts (host and user of the trigger's resource). */
  mailbox: string;
  /** The live holder; absent when free or expired. */
  owner?: string;
  expiresAt: number;
}

/** A trigger as stored: its definition and whether it is paused (and why). */
export interface TriggerRecord {
  definition: TriggerDefinition;
  paused: boolean;
  pauseReason?: string;
  createdAt: number;
  updatedAt: number;
}

/** IMAP: the folder's UIDVALIDITY and the highest UID finished with; EWS/Graph: the sync state. POP3 uses UIDL rows instead. */
export interface TriggerCheckpoint {
  uidValidity?: string;
  lastUid?: number;
  /**
   * After a UIDVALIDITY change: messages with UIDs up to this one were in the folder when the
   * change was seen, so they are delivered only if their Message-ID was not delivered before.
   */
  dedupeUpToUid?: number;
  /**
   * EWS: the SyncFolderItems sync state; Graph: the deltaLink. Opaque to mailbridge; written
   * only once every message of the round it ends was delivered, dead-lettered or filtered out.
   */
  syncState?: string;
  updatedAt: number;
}
/** A checkpoint to write: the store sets `updatedAt`. */
export type TriggerCheckpointInput = Omit<TriggerCheckpoint, 'updatedAt'>;

/** `delivered`, `failed` (will be retried) or `dead` (a dead letter: retries used up, or refused for good). */
export type DeliveryStatus = 'delivered' | 'failed' | 'dead';

/** Where the message is, to fetch it again for a replay. */
export type DeliverySource =
  | { kind: 'imap'; folder: string; uidValidity: string; uid: number }
  | { kind: 'pop3'; uidl: string }
  /** EWS ItemId or Graph message id, in the trigger's folder. */
  | { kind: 'ews' | 'graph'; folder: string; id: string };

/** One attempt to deliver a message, as the watcher records it ({@link TriggerStore.recordDelivery}). */
export interface DeliveryOutcome {
  /** Used for a new row; an existing (trigger, messageKey) row keeps its id. */
  id: string;
  trigger: string;
  /** IMAP `UIDVALIDITY:UID` (folder-unique), POP3 the UIDL, EWS the ItemId, Graph the message id. */
  messageKey: string;
  messageId?: string;
  subject?: string;
  source: DeliverySource;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  /** Move the checkpoint past this message (delivered or dead; not for a retryable failure). */
  advance?: { imap: { uidValidity: string; uid: number } } | { uidl: string };
  /** A dead letter's raw source, kept with it (up to DEAD_LETTER_SOURCE_MAX_BYTES); dropped once delivered. */
  raw?: Buffer;
  /** The attempt's request and answer, kept (capped at DELIVERY_EXCHANGE_MAX_CHARS each) for the console. */
  exchange?: DeliveryExchange;
}

/** What one delivery attempt sent to its target and what came back. */
export interface DeliveryExchange {
  /** The request: a webhook's JSON body, a command's argv; cut at DELIVERY_EXCHANGE_MAX_CHARS. */
  request: string;
  /** The answer: HTTP status and the start of the body, a command's exit and output, an error. */
  response: string;
  /** How long the attempt took, in ms. */
  durationMs: number;
}

/** A delivery's time, outcome and last attempt's duration, for throughput and latency graphs. */
export interface DeliveryTiming {
  at: number;
  status: DeliveryStatus;
  durationMs?: number;
}

/** The delivery history row of one message of a trigger. */
export interface DeliveryRecord {
  id: string;
  trigger: string;
  messageKey: string;
  messageId?: string;
  subject?: string;
  source: DeliverySource;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  /** Set once the after-processing action ran ('ok') or failed (its error). */
  afterAction?: string;
  createdAt: number;
  updatedAt: number;
  deliveredAt?: number;
}

/** One line of a trigger's event log (started, paused, source errors…). */
export interface TriggerEvent {
  trigger: string;
  kind: string;
  message: string;
  at: number;
}

/**
 * The service's own credentials (API keys, the console password) as rows of hashes: the
 * server derives and checks the hashes; the store only keeps them, like everything else
 * instances share.
 */
export interface CredentialRowStore {
  /** Inserts or replaces the row with this id. */
  putCredential(row: CredentialRow): Promise<void>;
  /** The row with this id, or undefined. */
  getCredential(id: string): Promise<CredentialRow | undefined>;
  /** The rows of one kind (`api_key`, `console_password`), oldest first. */
  listCredentials(kind: string): Promise<CredentialRow[]>;
  /** False when there was no such row. */
  deleteCredential(id: string): Promise<boolean>;
  /** Notes when the credential was last used (ms since epoch). */
  touchCredential(id: string, at: number): Promise<void>;
}

/** One service credential as stored: an API key's or the console password's hash. */
export interface CredentialRow {
  id: string;
  kind: string;
  label: string;
  prefix: string;
  /** A hash (SHA-256 hex, or `scrypt$salt$hash`): never a usable credential. */
  hash: string;
  createdAt: number;
  lastUsedAt?: number;
  /** API keys: their scopes, space separated; absent on keys made before scopes existed (migration 6). */
  scopes?: string;
  /** API keys: when the key stops working (epoch ms); absent: never (migration 10). */
  expiresAt?: number;
}

/** What the key check at start and `mailbridge key rotate` need (src/store/sealed-columns.ts lists the columns). */
export interface SealingStore {
  /** The distinct key tags (Sealer.keyTag) of every sealed value stored. */
  sealedKeyTags(): Promise<string[]>;
  /** Unseals every sealed value and seals it with `next`, all in one transaction; how many values. */
  resealAll(next: Sealer): Promise<number>;
}
