/**
 * The gateway's slice of the store (migration 8): local users, the durable spool, what was
 * relayed (rate windows and history) and dead letters. The statements are in sql/gateway.ts.
 */

export type GatewayUsageProtocol = 'smtp' | 'imap' | 'pop3';

export interface GatewayUserRecord {
  name: string;
  passwordHash: string;
  disabled: boolean;
  sendResource?: string;
  receiveResource?: string;
  allowedFrom: string[];
  createdAt: number;
  updatedAt: number;
}

export interface GatewayUsageRecord {
  name: string;
  protocol: GatewayUsageProtocol;
  logins: number;
  failures: number;
  messages: number;
  lastUsedAt?: number;
  lastAddress?: string;
}

export interface SpoolEntryInput {
  id: string;
  resource: string;
  /** `user:NAME` or `source:ADDRESS`: who submitted it. */
  principal: string;
  source: string;
  /** '' for the null sender (a bounce). */
  mailFrom: string;
  rcptTo: string[];
  /** RFC 3461 parameters: RET, ENVID and NOTIFY per recipient (JSON). */
  dsn: SpoolDsn;
  raw: Buffer;
}

export interface SpoolDsn {
  ret?: 'FULL' | 'HDRS';
  envid?: string;
  /** Per recipient (same order as rcptTo); undefined = default (FAILURE). */
  notify?: (string[] | undefined)[];
}

export interface SpoolEntry extends Omit<SpoolEntryInput, 'raw'> {
  size: number;
  state: 'queued' | 'sending';
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number;
  lastError?: string;
  possibleDuplicate: boolean;
  createdAt: number;
}

export interface RelayedRecord {
  id: string;
  resource: string;
  principal: string;
  recipients: number;
  size: number;
  upstreamId?: string;
  via: 'smtp' | 'graph';
  attempts: number;
  possibleDuplicate: boolean;
  acceptedAt: number;
  relayedAt: number;
}

export interface DeadLetterRecord {
  id: string;
  resource: string;
  principal: string;
  mailFrom: string;
  rcptTo: string[];
  /** RFC 3463 status, e.g. 5.7.1. */
  status: string;
  reason: string;
  size: number;
  /** 'sent' (a DSN was queued), 'null-sender', 'notify-never' or 'failed: …'. */
  bounce: string;
  createdAt: number;
}

/** One rate window a submission counts against: at most `max` within `windowMs`. */
export interface SubmissionWindow {
  windowMs: number;
  max: number;
}

/** The keys a submission counts against (`user:NAME`, `source:ADDRESS`, `net:CIDR`) and their windows. */
export interface SubmissionKey {
  key: string;
  windows: SubmissionWindow[];
}

export type SubmissionTake =
  | { ok: true }
  /** The first window that is full; `retryAt` is when its oldest submission leaves it. */
  | { ok: false; key: string; window: SubmissionWindow; retryAt: number };

/** The gateway's slice of the Store (migrations 8 and 14). */
export interface GatewayStore {
  putGatewayUser(user: GatewayUserRecord): Promise<void>;
  getGatewayUser(name: string): Promise<GatewayUserRecord | undefined>;
  listGatewayUsers(): Promise<GatewayUserRecord[]>;
  deleteGatewayUser(name: string): Promise<boolean>;
  recordGatewayUse(
    name: string,
    protocol: GatewayUsageProtocol,
    use: { login?: boolean; failure?: boolean; messages?: number; address: string; at: number },
  ): Promise<void>;
  gatewayUsage(name?: string): Promise<GatewayUsageRecord[]>;

  /** Commits the message: only after this resolves may the gateway answer 250. */
  spoolMessage(entry: SpoolEntryInput, now: number): Promise<void>;
  /**
   * Claims up to `limit` due entries for `leaseMs` (queued and due, or sending with an expired
   * lease: a worker died mid-send, so it is flagged as a possible duplicate).
   */
  claimSpooled(now: number, leaseMs: number, limit: number): Promise<SpoolEntry[]>;
  /**
   * Claims one queued message by id (the one this process just spooled), without scanning the
   * spool: undefined when it is not queued and due any more (another worker took it).
   */
  claimSpooledById(id: string, now: number, leaseMs: number): Promise<SpoolEntry | undefined>;
  spooledRaw(id: string): Promise<Buffer | undefined>;
  /** Back to queued for a later attempt. */
  rescheduleSpooled(id: string, at: number, error: string, now: number): Promise<void>;
  /** Removes the entry and records the relay, in one transaction. */
  markSpooledRelayed(id: string, record: RelayedRecord): Promise<void>;
  /** Removes the entry and keeps a dead letter (with the raw message), in one transaction. */
  markSpooledDead(id: string, record: DeadLetterRecord): Promise<void>;
  /** Messages and recipients relayed for `resource` since `since` (rate windows). */
  relayedSince(resource: string, since: number): Promise<{ messages: number; recipients: number; oldest?: number }>;
  listSpool(): Promise<SpoolEntry[]>;
  listRelayed(limit: number): Promise<RelayedRecord[]>;
  listGatewayDeadLetters(limit: number): Promise<DeadLetterRecord[]>;
  gatewayDeadLetterRaw(id: string): Promise<Buffer | undefined>;
  /**
   * Counts one submission against every key, in one transaction, unless one of their windows is
   * full (then nothing is counted). Rows older than `pruneBefore` are forgotten on the way.
   */
  takeGatewaySubmission(keys: SubmissionKey[], now: number, pruneBefore: number): Promise<SubmissionTake>;
  /** Forgets relayed records older than `before` (the day window is all the worker needs). */
  pruneRelayed(before: number): Promise<number>;
}
