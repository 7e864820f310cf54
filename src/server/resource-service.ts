import { presetInputSchema } from '../config/entry.js';
import { resourceFieldRows, resourceSummary, type FieldRow } from '../config/fields.js';
import { applyPreset } from '../config/presets.js';
import type { RefreshTokenStatus, Resource } from '../config/resource.js';
import { resourceToEntry } from '../config/to-entry.js';
import { checkSecretsPresent, parseResource, resourceWarnings, type ResourceWarning } from '../config/validate.js';
import { configErrorFromZod } from '../config/zod-errors.js';
import { resourceAudience } from '../auth/scopes.js';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import type { Store } from '../store/store.js';

/**
 * Resource operations shared by the REST API and the console, as the CLI's `resource`
 * command does them: the short form validated, the preset applied, the cross-field rules
 * checked, and nothing written on error. Secrets go to the sealed secret table only.
 */
export interface ResourceView {
  name: string;
  kind: string;
  server: string;
  user: string;
  status: RefreshTokenStatus;
  statusReason?: string;
  /** When the cached access token of the resource's own audience expires (ms), if there is one. */
  accessTokenExpiresAt?: number;
  clientSecret?: string;
}

export function buildResource(input: Record<string, unknown>): Resource {
  const parsed = presetInputSchema.safeParse(input);
  if (!parsed.success) throw configErrorFromZod(parsed.error);
  return parseResource(applyPreset(parsed.data));
}

function secretFrom(value: unknown): Secret | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'clientSecret', message: 'the client secret must be a non-empty string',
      hint: 'give the secret\'s Value from Certificates & secrets' });
  }
  return new Secret(value);
}

/** Splits a request body into the short form and the client secret. */
function split(body: Record<string, unknown>): { input: Record<string, unknown>; clientSecret: Secret | undefined } {
  const { clientSecret, ...input } = body;
  return { input, clientSecret: secretFrom(clientSecret) };
}

export async function addResource(store: Store, body: Record<string, unknown>): Promise<{ resource: Resource; warnings: ResourceWarning[] }> {
  const { input, clientSecret } = split(body);
  const resource = buildResource(input);
  checkSecretsPresent(resource, clientSecret ? { clientSecret } : {});
  if (await store.getResource(resource.name)) {
    throw new ConfigError({ code: 'RESOURCE_EXISTS', field: 'name', message: `a resource named "${resource.name}" already exists`,
      hint: `change it with PATCH /api/resources/${resource.name}, or remove it first` });
  }
  await store.putResource(resource);
  if (clientSecret) await store.putSecret(resource.name, 'client_secret', clientSecret);
  return { resource, warnings: resourceWarnings(resource) };
}

export async function editResource(store: Store, name: string, body: Record<string, unknown>): Promise<{ resource: Resource; warnings: ResourceWarning[] }> {
  const old = await mustGetResource(store, name);
  const { input, clientSecret: newSecret } = split(body);
  const entry = resourceToEntry(old);
  const merged: Record<string, unknown> = { ...entry, ...input, name };
  if (input.tls && typeof input.tls === 'object') merged.tls = { ...entry.tls, ...input.tls };
  const resource = buildResource(merged);
  const clientSecret = newSecret ?? (await store.getSecret(name, 'client_secret'));
  checkSecretsPresent(resource, clientSecret ? { clientSecret } : {});
  await store.putResource(resource);
  if (newSecret) await store.putSecret(name, 'client_secret', newSecret);
  return { resource, warnings: resourceWarnings(resource) };
}

export async function mustGetResource(store: Store, name: string): Promise<Resource> {
  const r = await store.getResource(name);
  if (!r) {
    throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', field: 'name', message: `no resource named "${name}"`,
      hint: 'list them with GET /api/resources' });
  }
  return r;
}

/** The list line: refresh token status at a glance, and when the access token expires. */
export async function resourceView(store: Store, r: Resource): Promise<ResourceView> {
  const state = await store.getTokenState(r.name);
  const status = state?.status ?? 'Missing';
  let expiresAt: number | undefined;
  if (r.oauth) {
    try {
      expiresAt = (await store.getAccessToken(r.name, resourceAudience(r)))?.expiresAt;
    } catch {
      expiresAt = undefined;
    }
  }
  const secret = await store.getSecret(r.name, 'client_secret');
  return {
    ...resourceSummary(r, status),
    ...(state?.statusReason ? { statusReason: state.statusReason } : {}),
    ...(expiresAt !== undefined ? { accessTokenExpiresAt: expiresAt } : {}),
    ...(secret ? { clientSecret: secret.masked() } : {}),
  };
}

/** The guide's field table, secret masked. */
export async function fieldTable(store: Store, r: Resource): Promise<FieldRow[]> {
  const state = await store.getTokenState(r.name);
  return resourceFieldRows(r, { status: state?.status ?? 'Missing', clientSecret: await store.getSecret(r.name, 'client_secret'),
    statusReason: state?.statusReason });
}
