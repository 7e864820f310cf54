import { hostAccessRefused, resourceHostPaths } from '../config/host-paths.js';
import type { Resource } from '../config/resource.js';
import type { TriggerDefinition } from '../config/trigger.js';

/**
 * Host access: what lets a caller act as the service's own user on its host, beyond mail.
 * Running a program (command targets), running code registered in-process (handler targets)
 * and reading files (CA file, certificate key, secrets from files) are host access. The CLI
 * runs as the host user and always has it; the REST API and the console have it only when
 * the service was started with `mailbridge serve --allow-host-access`. Every check here runs
 * on values already parsed by zod, never on request text (a JSON escape such as
 * "clientSecret\u0046ile" is the same key once parsed).
 */
export interface HostAccessPolicy {
  /** True for the CLI; for the service, the `--allow-host-access` opt-in. */
  hostAccess: boolean;
}

export const LOCAL_POLICY: HostAccessPolicy = { hostAccess: true };

/** Refuses file paths the new resource names, unless the old one already named the same file. */
export function checkResourceHostAccess(
  next: Resource,
  previous: Resource | undefined,
  policy: HostAccessPolicy,
): void {
  if (policy.hostAccess) return;
  const before = new Map((previous ? resourceHostPaths(previous) : []).map((p) => [p.field, p.path]));
  for (const p of resourceHostPaths(next)) {
    if (before.get(p.field) !== p.path) throw hostAccessRefused(p.field, "a file on the service's host");
  }
}

/** Command and handler targets run on the host: refused without host access. */
export function checkTriggerHostAccess(def: TriggerDefinition, policy: HostAccessPolicy): void {
  if (policy.hostAccess || def.target.kind === 'webhook') return;
  throw hostAccessRefused(
    'target.kind',
    def.target.kind === 'command'
      ? 'a command target (a program run on the host)'
      : 'a handler target (code running inside the service)',
  );
}
