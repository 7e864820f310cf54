/**
 * Typed errors. Every error a user can cause or meet carries a machine `code`, a one-line
 * `message` naming the cause, and a `hint` naming the fix. The CLI and the REST API print
 * these as one line (or JSON) and never a stack trace. Every code is registered in `errors/codes.ts`.
 */
import type { ErrorCode } from './errors/codes.js';

export { aadstsCode, errorCodes, isErrorCode, oauthErrorCode } from './errors/codes.js';
export type { AadstsCode, ErrorCode, ErrorCodeInfo, OAuthErrorCode, RegisteredErrorCode } from './errors/codes.js';

/** What every {@link MailbridgeError} is built from. */
export interface ErrorDetails {
  /** Machine code from the registry ({@link errorCodes}), e.g. `CONFIG_INVALID`, `AADSTS700082`, `SMTP_AUTH_DISABLED`. */
  code: ErrorCode;
  message: string;
  /** What to do about it. */
  hint: string;
  /** The config field or request parameter at fault, when there is one. */
  field?: string;
  cause?: unknown;
  /** Extra data for machines (`--json`, logs): never secrets. */
  details?: Record<string, unknown>;
}

/**
 * The base of every error mailbridge throws: a registered `code`, a one-line `message` naming the cause and a `hint`
 * naming the fix. Catch it and switch on `code` (see {@link errorCodes} and docs/errors.md).
 *
 * @example
 * ```ts
 * try { await mailbox.send(draft); } catch (e) {
 *   if (isMailbridgeError(e) && e.code === 'SMTP_AUTH_DISABLED') console.error(e.oneLine());
 *   else throw e;
 * }
 * ```
 */
export class MailbridgeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly field?: string;
  readonly details: Record<string, unknown>;

  constructor(d: ErrorDetails) {
    super(d.message, d.cause === undefined ? undefined : { cause: d.cause });
    this.name = new.target.name;
    this.code = d.code;
    this.hint = d.hint;
    if (d.field !== undefined) this.field = d.field;
    this.details = d.details ?? {};
  }

  /** The one line a person reads: cause, then fix. */
  oneLine(): string {
    return `${this.message} (${this.code}). Fix: ${this.hint}`;
  }

  /** The error as plain JSON (code, message, hint, field and its details): what `--json` prints. No stack or cause. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.field ? { field: this.field } : {}),
      ...this.details,
    };
  }
}

/** Bad configuration or CLI input: nothing was written. */
export class ConfigError extends MailbridgeError {}
/** The store could not be read, written or unsealed. */
export class StoreError extends MailbridgeError {}
/** OAuth 2.0 failures (token endpoint, consent, state checks, token status). */
export class AuthError extends MailbridgeError {}
/** Mail protocol failures (IMAP, POP3, SMTP, EWS, Graph). */
export class ProtocolError extends MailbridgeError {}
/** An operation a protocol cannot do. */
export class UnsupportedError extends MailbridgeError {}
/** The caller may not do this (API key scope, host access not enabled): nothing was done. */
export class PermissionError extends MailbridgeError {}

/** Whether `e` is a {@link MailbridgeError} (any of its classes). */
export function isMailbridgeError(e: unknown): e is MailbridgeError {
  return e instanceof MailbridgeError;
}

/**
 * Hints written where the resource is not known (a protocol error, a Graph error) say
 * `RESOURCE`; the layer that knows the resource fills in its name, so every printed fix is a
 * command to copy as is. The same error object is kept (class, cause, stack).
 */
export function nameResourceInHint<E>(e: E, name: string): E {
  if (e instanceof MailbridgeError && /\bRESOURCE\b/.test(e.hint)) {
    (e as { hint: string }).hint = e.hint.replace(/\bRESOURCE\b/g, name);
  }
  return e;
}
