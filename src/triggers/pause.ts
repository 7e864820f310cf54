import type { RefreshTokenStatus } from '../config/resource.js';
import type { TokenManager } from '../auth/token-manager.js';
import { TokenEndpointError } from '../auth/token-endpoint.js';
import { AuthError, ConfigError, UnsupportedError, isMailbridgeError } from '../errors.js';

/** Token statuses only a person can fix (sign in again, consent, fix the app): retrying cannot help. */
export const STATUSES_NEEDING_A_PERSON: readonly RefreshTokenStatus[] = ['Revoked', 'Expired', 'ConsentRequired', 'InvalidClient', 'Missing'];

/**
 * Why a trigger must wait for a person, or undefined when the failure is transient (network,
 * 5xx, throttling, a dropped connection) and retrying with backoff is right.
 */
export async function reasonToPause(e: unknown, resource: string, tokens: TokenManager): Promise<string | undefined> {
  if (e instanceof ConfigError || e instanceof UnsupportedError) return e.oneLine();
  if (!(e instanceof AuthError)) return undefined;
  if (e instanceof TokenEndpointError && e.transient) return undefined;
  const status = await tokens.status(resource).catch(() => undefined);
  if (status && STATUSES_NEEDING_A_PERSON.includes(status.status)) {
    return `refresh token status ${status.status}${status.reason ? ` (${status.reason})` : ''}. Fix: run \`mailbridge auth ${resource}\`, then resume the trigger`;
  }
  // Refusals that are not about the grant (a token for the wrong audience, a bad scope) need a person too.
  return isMailbridgeError(e) ? e.oneLine() : String(e);
}

export function describeError(e: unknown): string {
  if (isMailbridgeError(e)) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}
