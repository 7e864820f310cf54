import { inspect } from 'node:util';

/**
 * A secret value (client secret, refresh or access token, private key). It prints as
 * `***` through toString, JSON and util.inspect, so no log line or error can leak it by
 * accident; only `reveal()` gives the value, and only where it is put on the wire or sealed.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: call it only where it goes on the wire or is sealed, never for a log line. */
  reveal(): string {
    return this.#value;
  }

  /** A hint of which secret this is, never enough to use it: `abc…(40 chars)`. */
  masked(): string {
    return maskSecret(this.#value);
  }

  /** `***`, so string templates and concatenation never leak the value. */
  toString(): string {
    return '***';
  }

  /** `***`, so `JSON.stringify` never leaks the value. */
  toJSON(): string {
    return '***';
  }

  /** `Secret(***)`: what `console.log` and `util.inspect` show. */
  [inspect.custom](): string {
    return 'Secret(***)';
  }
}

/**
 * Show no more than Microsoft Entra does once a client secret is saved: its first 3 characters
 * (https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials), and the
 * length, which tells a pasted Secret ID (a 36-character GUID) from the Value.
 */
export function maskSecret(value: string): string {
  if (value.length === 0) return '(empty)';
  const head = value.length >= 16 ? value.slice(0, 3) : '';
  return `${head}…(${value.length} chars)`;
}
