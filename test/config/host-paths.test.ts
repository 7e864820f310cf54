/**
 * Every field of the outside schemas that names a file on the host must be known to the
 * host-access checks (src/config/host-paths.ts), or the REST API would read it for a caller
 * without host access. A new `…File` field fails this test until it is listed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { configEntrySchema } from '../../src/config/file.js';
import { CONFIG_ENTRY_FILE_FIELDS, resourceHostPaths } from '../../src/config/host-paths.js';
import { resourceSchema } from '../../src/config/resource.js';
import { triggerDefinitionSchema } from '../../src/config/trigger.js';

function fileFields(schema: z.ZodType): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    for (const [k, v] of Object.entries((n.properties as Record<string, unknown> | undefined) ?? {})) {
      if (/file$|path$|dir$/i.test(k)) out.push(`${path}${k}`);
      walk(v, `${path}${k}.`);
    }
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
      for (const v of (n[key] as unknown[] | undefined) ?? []) walk(v, path);
    if (n.items) walk(n.items, path);
  };
  walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), '');
  return out.sort();
}

test('every file field of a resource is a host path the checks know', () => {
  const r = resourceSchema.parse({
    name: 'x',
    kind: 'imap',
    server: { host: 'h', port: 993, secure: 'tls' },
    authType: 'oauth2',
    oauth: {
      tenantId: 't',
      flow: 'authorization_code',
      authorizeUrl: 'https://a/',
      tokenUrl: 'https://t/',
      callbackUrl: 'https://c/',
      clientId: 'c',
      clientAuth: 'certificate',
      certificate: { keyFile: '/k', certFile: '/c' },
      scope: 's',
      responseMode: 'query',
    },
    tls: { caFile: '/ca' },
  });
  assert.deepEqual(fileFields(resourceSchema), [
    'oauth.certificate.certFile',
    'oauth.certificate.keyFile',
    'tls.caFile',
  ]);
  assert.deepEqual(
    resourceHostPaths(r)
      .map((p) => p.path)
      .sort(),
    ['/c', '/ca', '/k'],
  );
});

test('every file field of a config entry is refused or mapped; trigger definitions have none', () => {
  assert.deepEqual(fileFields(configEntrySchema), [
    'certificate.certFile',
    'certificate.keyFile',
    'clientSecretFile',
    'passwordFile',
    'tls.caFile',
  ]);
  for (const f of CONFIG_ENTRY_FILE_FIELDS) assert.ok(fileFields(configEntrySchema).includes(f));
  assert.deepEqual(fileFields(triggerDefinitionSchema), []);
});
