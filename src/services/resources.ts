import { resourceAudience } from '../auth/scopes.js';
import { presetInputSchema } from '../config/entry.js';
import { resourceFieldRows, resourceSummary, type FieldRow } from '../config/fields.js';
import type { ResourceWithSecrets } from '../config/file.js';
import { applyPreset } from '../config/presets.js';
import type { RefreshTokenStatus, Resource } from '../config/resource.js';
import { resourceToEntry } from '../config/to-entry.js';
import {
  checkSecretsPresent,
  parseResource,
  resourceWarnings,
  type ResourceSecrets,
  type ResourceWarning,
} from '../config/validate.js';
import { configErrorFromZod } from '../config/zod-errors.js';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import type { Store } from '../store/store.js';
import { changedDestinations } from './credential-destinations.js';
import { checkResourceHostAccess, type HostAccessPolicy } from './host-access.js';

/**
 * Resource operations, the same for the CLI, the REST API and the console: the short form
 * validated, the preset applied, the cross-field rules checked, nothing written on error, and
 * secrets in the sealed secret table only. The endpoint-change rule lives here so that no
 * surface can skip it: changing where a resource's credentials go (see
 * credential-destinations.ts) needs the credentials again in the same request, and drops the
 * stored tokens (status Missing: consent again).
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

/**
 * What a caller may add to an add or edit: `prepare` finishes the resource the service built
 * (the CLI's `--graph-fallback` discovers the authority's Graph and adds Mail.Send to the
 * scope); `derived` names destination fields that `prepare` took from the resource's own
 * authority (its OpenID metadata or its cloud), which therefore send nothing to a new party.
 */
export interface ResourceChangeOptions {
  prepare?: (resource: Resource) => Promise<Resource>;
  derived?: readonly string[];
}

export interface EditResult {
  resource: Resource;
  warnings: ResourceWarning[];
  /** The destination fields that changed; the stored tokens were dropped when there are any. */
  moved: string[];
}

export function buildResource(input: Record<string, unknown>): Resource {
  const parsed = presetInputSchema.safeParse(input);
  if (!parsed.success) throw configErrorFromZod(parsed.error);
  return parseResource(applyPreset(parsed.data));
}

function secretFrom(field: 'clientSecret' | 'password', value: unknown): Secret | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      field,
      message: `the ${field === 'clientSecret' ? 'client secret' : 'password'} must be a non-empty string`,
      hint:
        field === 'clientSecret' ? "give the secret's Value from Certificates & secrets" : 'give the mailbox password',
    });
  }
  return new Secret(value);
}

/** Splits a request body (REST, console form) into the short form and the secrets it carries. */
export function splitSecrets(body: Record<string, unknown>): {
  input: Record<string, unknown>;
  secrets: ResourceSecrets;
} {
  const { clientSecret, password, ...input } = body;
  const c = secretFrom('clientSecret', clientSecret);
  const p = secretFrom('password', password);
  return { input, secrets: { ...(c ? { clientSecret: c } : {}), ...(p ? { password: p } : {}) } };
}

export async function addResource(
  store: Store,
  input: Record<string, unknown>,
  secrets: ResourceSecrets,
  policy: HostAccessPolicy,
  options: ResourceChangeOptions = {},
): Promise<{ resource: Resource; warnings: ResourceWarning[] }> {
  const built = buildResource(input);
  const resource = options.prepare ? await options.prepare(built) : built;
  checkResourceHostAccess(resource, undefined, policy);
  checkSecretsPresent(resource, secrets);
  if (await store.getResource(resource.name)) {
    throw new ConfigError({
      code: 'RESOURCE_EXISTS',
      field: 'name',
      message: `a resource named "${resource.name}" already exists`,
      hint:
        `change it with \`mailbridge resource edit ${resource.name}\` or PATCH /api/resources/${resource.name}, ` +
        'or remove it first',
    });
  }
  await store.putResource(resource);
  await putSecrets(store, resource.name, secrets);
  return { resource, warnings: resourceWarnings(resource) };
}

/**
 * Applies changes (short-form fields; `graphFallback: null` removes the fallback) to a stored
 * resource. The preset runs again, so a new tenant also changes the URLs derived from it.
 */
export async function editResource(
  store: Store,
  name: string,
  changes: Record<string, unknown>,
  secrets: ResourceSecrets,
  policy: HostAccessPolicy,
  options: ResourceChangeOptions = {},
): Promise<EditResult> {
  const old = await mustGetResource(store, name);
  const entry = resourceToEntry(old);
  const merged: Record<string, unknown> = { ...entry, ...changes, name };
  if (changes.tls && typeof changes.tls === 'object') merged.tls = { ...entry.tls, ...changes.tls };
  if (changes.graphFallback === null) delete merged.graphFallback;
  const built = buildResource(merged);
  const resource = options.prepare ? await options.prepare(built) : built;
  checkResourceHostAccess(resource, old, policy);
  const moved = changedDestinations(old, resource).filter((field) => !options.derived?.includes(field));
  if (moved.length > 0) requireCredentialsAgain(resource, moved, secrets, changes);
  const clientSecret = secrets.clientSecret ?? (await store.getSecret(name, 'client_secret'));
  const password = secrets.password ?? (await store.getSecret(name, 'password'));
  checkSecretsPresent(resource, { ...(clientSecret ? { clientSecret } : {}), ...(password ? { password } : {}) });
  await store.withResourceLock(name, async () => {
    // Tokens go first: a refresh that reads the new endpoints then finds no token to send.
    if (moved.length > 0)
      await dropTokens(store, name, `the resource's endpoints changed (${moved.join(', ')}): consent again`);
    await store.putResource(resource);
    await putSecrets(store, name, secrets);
  });
  return { resource, warnings: resourceWarnings(resource), moved };
}

/**
 * Adds a copy of a stored resource under a new name, with the changes the caller made to it.
 * The copy has no tokens (it needs its own consent). Without a new secret it takes the
 * original's, but only while the copy sends it where the original does: the endpoint-change
 * rule holds for a copy as for an edit (CREDENTIALS_REQUIRED otherwise).
 */
export async function duplicateResource(
  store: Store,
  from: string,
  input: Record<string, unknown>,
  secrets: ResourceSecrets,
  policy: HostAccessPolicy,
): Promise<{ resource: Resource; warnings: ResourceWarning[] }> {
  const original = await mustGetResource(store, from);
  const copy = buildResource(input);
  const moved = changedDestinations(original, copy);
  if (moved.length > 0) requireCredentialsAgain(copy, moved, secrets, input);
  const inherited: ResourceSecrets = { ...secrets };
  if (!inherited.clientSecret) {
    const c = await store.getSecret(from, 'client_secret');
    if (c) inherited.clientSecret = c;
  }
  if (!inherited.password) {
    const p = await store.getSecret(from, 'password');
    if (p) inherited.password = p;
  }
  return addResource(store, input, inherited, policy);
}

/** Adds (or with `replace`, replaces) the resources of a config file, all checked before any is written. */
export async function importResources(
  store: Store,
  entries: ResourceWithSecrets[],
  opts: { replace: boolean; source: string; fix: string },
): Promise<string[]> {
  const existing = new Map<string, Resource>();
  for (const { resource } of entries) {
    const old = await store.getResource(resource.name);
    if (!old) continue;
    if (!opts.replace) {
      throw new ConfigError({
        code: 'RESOURCE_EXISTS',
        field: 'name',
        message: `${opts.source}: a resource named "${resource.name}" already exists`,
        hint: opts.fix,
      });
    }
    existing.set(resource.name, old);
  }
  for (const { resource, secrets } of entries) {
    const old = existing.get(resource.name);
    const moved = old ? changedDestinations(old, resource) : [];
    await store.withResourceLock(resource.name, async () => {
      if (moved.length > 0)
        await dropTokens(
          store,
          resource.name,
          `replaced by an import with other endpoints (${moved.join(', ')}): consent again`,
        );
      await store.putResource(resource);
      await putSecrets(store, resource.name, secrets);
    });
  }
  return entries.map((e) => e.resource.name);
}

/**
 * The credentials a moved resource uses must come with the change: the caller proves they hold
 * them (or replaces them), so a stored secret never follows a new endpoint.
 */
function requireCredentialsAgain(
  r: Resource,
  moved: string[],
  secrets: ResourceSecrets,
  changes: Record<string, unknown>,
): void {
  const need = (field: string, what: string, how: string): never => {
    throw new ConfigError({
      code: 'CREDENTIALS_REQUIRED',
      field,
      message:
        `${r.name}: changing ${moved.join(', ')} changes where its credentials go, ` +
        `so the ${what} must be given again with the change`,
      hint: `${how}; the stored tokens are then dropped and the resource needs consent again`,
    });
  };
  if (r.oauth?.clientAuth === 'secret' && !secrets.clientSecret) {
    need(
      'clientSecret',
      'client secret',
      'send clientSecret in the same request (CLI: --client-secret-stdin or --client-secret-env VAR)',
    );
  }
  if (r.oauth?.clientAuth === 'certificate' && changes.certificate === undefined) {
    need(
      'certificate',
      'certificate',
      'give the certificate again in the same request (CLI: --certificate-key KEY.pem --certificate CERT.pem)',
    );
  }
  if (r.authType === 'basic' && !secrets.password)
    need('password', 'password', 'send the password in the same request');
}

/** Forgets the refresh and access tokens (status Missing, with the reason), winning over concurrent writers. */
async function dropTokens(store: Store, name: string, reason: string): Promise<void> {
  await store.deleteAccessTokens(name);
  for (let i = 0; i < 5; i++) {
    const current = await store.getTokenState(name);
    if (await store.compareAndSetTokenState(name, current?.version ?? 0, { status: 'Missing', statusReason: reason }))
      return;
  }
  throw new ConfigError({
    code: 'TOKEN_STATE_BUSY',
    message: `the token state of ${name} kept changing while dropping it`,
    hint: 'another process is writing it; retry the change',
  });
}

async function putSecrets(store: Store, name: string, secrets: ResourceSecrets): Promise<void> {
  if (secrets.clientSecret) await store.putSecret(name, 'client_secret', secrets.clientSecret);
  if (secrets.password) await store.putSecret(name, 'password', secrets.password);
}

/** The names of the triggers that watch a resource (a removal must not strand them). */
export async function triggersUsing(store: Store, name: string): Promise<string[]> {
  return (await store.listTriggers()).filter((t) => t.definition.resource === name).map((t) => t.definition.name);
}

/**
 * Removes a resource with its secrets and tokens. While triggers watch it the removal is
 * refused, naming them (they would stay paused, pointing at nothing), unless `cascade` asks
 * explicitly to remove those triggers with it. The same rule for the CLI, the REST API and
 * the console. Returns the triggers removed with it.
 */
export async function removeResource(
  store: Store,
  name: string,
  opts: { cascade?: boolean; how?: { cascade: string } } = {},
): Promise<{ removed: string; triggersRemoved: string[] }> {
  await mustGetResource(store, name);
  const using = await triggersUsing(store, name);
  if (using.length > 0 && !opts.cascade) {
    throw new ConfigError({
      code: 'RESOURCE_IN_USE',
      field: 'name',
      message: `resource "${name}" is used by trigger${using.length === 1 ? '' : 's'} ${using.join(', ')}`,
      hint: `remove or repoint ${using.length === 1 ? 'that trigger' : 'those triggers'} first, or ${opts.how?.cascade ?? 'remove them with it (cascade)'}`,
      details: { triggers: using },
    });
  }
  for (const t of using) await store.deleteTrigger(t);
  if (!(await store.deleteResource(name))) await mustGetResource(store, name);
  return { removed: name, triggersRemoved: using };
}

export async function mustGetResource(store: Store, name: string): Promise<Resource> {
  const r = await store.getResource(name);
  if (!r) {
    throw new ConfigError({
      code: 'RESOURCE_NOT_FOUND',
      field: 'name',
      message: `no resource named "${name}"`,
      hint: 'list them with `mailbridge resource list` or GET /api/resources',
    });
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
  return resourceFieldRows(r, {
    status: state?.status ?? 'Missing',
    clientSecret: await store.getSecret(r.name, 'client_secret'),
    statusReason: state?.statusReason,
  });
}
