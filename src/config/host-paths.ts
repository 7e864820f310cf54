import { PermissionError } from '../errors.js';
import type { Resource } from './resource.js';

/**
 * Every setting of a resource that names a file on the host running mailbridge. Whoever sets
 * one makes mailbridge read that file and send (part of) it to a server: the CA file decides
 * whom the credentials are sent to, the certificate key signs client assertions. The REST API
 * and the console refuse them unless the service was started with `--allow-host-access`
 * (src/services/host-access.ts); a test checks that every `…File` field of the schemas is here.
 */
export interface HostPath {
  field: string;
  path: string;
}

export function resourceHostPaths(r: Resource): HostPath[] {
  const out: HostPath[] = [];
  if (r.tls.caFile !== undefined) out.push({ field: 'tls.caFile', path: r.tls.caFile });
  if (r.oauth?.certificate) {
    out.push({ field: 'certificate.keyFile', path: r.oauth.certificate.keyFile });
    out.push({ field: 'certificate.certFile', path: r.oauth.certificate.certFile });
  }
  return out;
}

/** The config file's own file fields (secrets read from a file), besides the resource's. */
export const CONFIG_ENTRY_FILE_FIELDS = ['clientSecretFile', 'passwordFile'] as const;

/** The refusal when a caller without host access names a file, a program or in-process code. */
export function hostAccessRefused(field: string, what: string): PermissionError {
  return new PermissionError({
    code: 'HOST_ACCESS_REFUSED',
    field,
    message: `${field}: ${what} needs host access, which this service does not allow over the API or the console`,
    hint:
      'do it on the host with the mailbridge CLI, or start the service with `mailbridge serve --allow-host-access` ' +
      '(see docs/security.md)',
  });
}
