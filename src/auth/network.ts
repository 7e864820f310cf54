import type { Resource } from '../config/resource.js';

/**
 * The token endpoint options that carry a resource's network settings (spread into
 * TokenEndpointDeps): its tls.caFile, trusted for the identity platform too, so a resource
 * behind a private CA reaches its token and device-code endpoints with the same trust as its
 * mail connections; and its `proxy` override, so sign-in goes the same way as the mail.
 */
export function networkOf(resource: Resource): { caFile?: string; proxy?: string } {
  return {
    ...(resource.tls.caFile ? { caFile: resource.tls.caFile } : {}),
    ...(resource.proxy ? { proxy: resource.proxy } : {}),
  };
}
