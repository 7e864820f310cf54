import { ConfigError } from '../errors.js';
import type { Secret } from '../secret.js';
import type { ResourceStore, TriggerStore } from '../store/store.js';
import { checkTriggerFitsResource, parseTriggerDefinition, type TriggerDefinition } from '../config/trigger.js';

/**
 * Validates and stores a trigger (and its webhook secret, sealed). Checked against its
 * resource first, so nothing is written for a trigger that could never run.
 * @throws ConfigError `TRIGGER_INVALID`, `RESOURCE_NOT_FOUND`, `TRIGGER_UNSUPPORTED_FOR_RESOURCE`, or
 * `TRIGGER_SECRET_UNUSED` (a webhook secret given for a target that is not a webhook).
 */
export async function saveTrigger(store: TriggerStore & Pick<ResourceStore, 'getResource'>, input: unknown, opts: { webhookSecret?: Secret } = {}): Promise<TriggerDefinition> {
  const def = parseTriggerDefinition(input);
  const resource = await store.getResource(def.resource);
  if (!resource) {
    throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', message: `no resource named "${def.resource}"`,
      hint: 'list them with `mailbridge resource list`, or add one with `mailbridge resource add`', field: 'resource' });
  }
  checkTriggerFitsResource(def, resource.kind);
  if (opts.webhookSecret && def.target.kind !== 'webhook') {
    throw new ConfigError({ code: 'TRIGGER_SECRET_UNUSED', message: `trigger ${def.name}: a signing secret only applies to a webhook target`,
      hint: 'drop the secret, or use a webhook target', field: 'secret' });
  }
  if (opts.webhookSecret) await store.putTriggerSecret(def.name, opts.webhookSecret);
  await store.putTrigger(def);
  return def;
}
