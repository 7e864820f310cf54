/**
 * The sandbox's one error of its own: a seed file or object it cannot use. It has the shape of mailbridge's typed errors
 * (a registered `code`, a one-line `message` naming the cause, a `hint` naming the fix, the `field` at fault) so a CLI
 * prints it as one line, but it is a class of its own: the sandbox is a package that imports nothing of mailbridge
 * (mailbridge's `sandbox` command turns it into its ConfigError).
 */
export type SandboxErrorCode = 'SANDBOX_SEED_INVALID' | 'SANDBOX_SEED_UNREADABLE';

export interface SandboxErrorDetails {
  code: SandboxErrorCode;
  message: string;
  hint: string;
  field?: string;
  cause?: unknown;
}

/** A seed the sandbox cannot start from: `code`, `message`, `hint` and (when known) the `field` at fault. */
export class SandboxSeedError extends Error {
  readonly code: SandboxErrorCode;
  readonly hint: string;
  readonly field?: string;

  constructor(d: SandboxErrorDetails) {
    super(d.message, d.cause === undefined ? undefined : { cause: d.cause });
    this.name = 'SandboxSeedError';
    this.code = d.code;
    this.hint = d.hint;
    if (d.field !== undefined) this.field = d.field;
  }

  /** The one line a person reads: cause, then fix. */
  oneLine(): string {
    return `${this.message} (${this.code}). Fix: ${this.hint}`;
  }
}
