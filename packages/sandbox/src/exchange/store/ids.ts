import { randomBytes } from 'node:crypto';

/** An opaque id in the shape Exchange uses (long base64url), unique across the store. */
export function newId(): string {
  return randomBytes(24).toString('base64url');
}

/** A new change key / etag: opaque, different on every update. */
export function newChangeKey(): string {
  return `CQAAAB${randomBytes(12).toString('base64url')}`;
}
