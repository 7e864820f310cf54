import { OAuthError } from './errors.js';
import type { FaultRegistry } from './faults.js';
import type { IdentitySeed } from './seed.js';
import type { IdentityState } from './state.js';
import type { SigningKey } from './tokens.js';

/** What every endpoint module gets: the directory, the faults, the key and the clock. */
export interface EmulatorContext {
  seed: IdentitySeed;
  state: IdentityState;
  faults: FaultRegistry;
  key: SigningKey;
  now: () => number;
}

/**
 * Resolve the `{tenant}` path segment: the tenant GUID, its domain, `common` or
 * `organizations` (both resolve to our only tenant once a user signs in). Anything else is
 * AADSTS90002, as for a tenant that does not exist.
 */
export function resolveTenant(ctx: EmulatorContext, segment: string): { id: string; multi: boolean } {
  const s = segment.toLowerCase();
  const t = ctx.seed.tenant;
  if (s === t.id.toLowerCase() || s === t.domain.toLowerCase()) return { id: t.id, multi: false };
  if (s === 'common' || s === 'organizations') return { id: t.id, multi: true };
  throw new OAuthError({
    error: 'invalid_request',
    aadsts: 90002,
    text: `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  });
}
