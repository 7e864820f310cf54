import type { TriggerDefinition } from '../config/trigger.js';
import type { OpenFeedOptions } from '../mail/change-feed.js';
import type { Store } from '../store/store.js';

/**
 * What an EWS streaming trigger's feed keeps in the store: its subscription (so a restart reopens
 * it), and notices in the trigger's history. The backoff between failed connections follows the
 * trigger's retry policy, like its reconnects. `groupSize`: subscriptions per shared connection
 * of app-only resources (the runner's option; default 200).
 */
export function streamingOptions(
  store: Store,
  def: TriggerDefinition,
  opts: { groupSize?: number } = {},
): NonNullable<OpenFeedOptions['streaming']> {
  const name = def.name;
  return {
    ...(opts.groupSize !== undefined ? { groupSize: opts.groupSize } : {}),
    state: {
      load: () => store.getEwsStreamingState(name),
      save: (s) => store.putEwsStreamingState(name, s),
      forget: () => store.deleteEwsStreamingState(name),
    },
    onNotice: (kind, message) => void store.addTriggerEvent(name, kind, message).catch(() => undefined),
    backoff: { baseMs: def.retry.backoffBaseMs, maxMs: def.retry.backoffMaxMs },
  };
}
