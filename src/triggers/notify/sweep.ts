import type { TokenManager } from '../../auth/token-manager.js';
import type { Resource } from '../../config/resource.js';
import { createGraphHttp } from '../../protocols/graph/http.js';
import { deleteSubscription, listSubscriptions } from '../../protocols/graph/subscriptions.js';
import { tlsOptionsFor } from '../../protocols/tls.js';
import type { Store } from '../../store/store.js';
import { describeError } from '../pause.js';
import type { NotificationHub } from './hub.js';

/**
 * At start: Graph subscriptions to this service's URL whose trigger no longer exists (or is no
 * longer in mode notify) are deleted, with their store rows. Each trigger's own duplicates are
 * the watcher's to reconcile (it holds the lease); this sweep only removes what no trigger owns,
 * so it cannot race a subscription being made. One list per app for app-only resources (an
 * app-only list holds every subscription of the app), one per resource otherwise.
 * Returns how many were deleted.
 */
export async function sweepOrphanSubscriptions(o: {
  store: Store;
  tokens: TokenManager;
  hub: NotificationHub;
}): Promise<number> {
  const base = o.hub.publicUrl;
  if (!base) return 0;
  const prefix = `${base}/notifications/graph/`;
  const notify = new Set(
    (await o.store.listTriggers()).filter((t) => t.definition.mode === 'notify').map((t) => t.definition.name),
  );
  const stored = await o.store.listGraphSubscriptions();
  for (const s of stored) if (!notify.has(s.trigger)) await o.store.deleteGraphSubscription(s.trigger);
  const seen = new Set<string>();
  let deleted = 0;
  for (const r of await o.store.listResources()) {
    if (r.kind !== 'graph') continue;
    const key =
      r.oauth?.flow === 'client_credentials'
        ? `${r.server.host}|${r.oauth.tenantId}|${r.oauth.clientId}`
        : `resource|${r.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      deleted += await sweepOne(o, r, prefix, notify);
    } catch (e) {
      o.hub.logger?.warn(
        { event: 'graph_subscription_sweep_failed', resource: r.name, error: describeError(e) },
        'could not list Graph subscriptions to remove orphans',
      );
    }
  }
  return deleted;
}

async function sweepOne(
  o: { tokens: TokenManager; hub: NotificationHub },
  r: Resource,
  prefix: string,
  notify: ReadonlySet<string>,
): Promise<number> {
  const url = new URL(r.server.host);
  const tls =
    url.protocol === 'https:' ? await tlsOptionsFor({ ...r, server: { ...r.server, host: url.hostname } }) : undefined;
  const http = createGraphHttp({
    baseUrl: r.server.host,
    tokens: o.tokens.provider(r.name),
    mailbox: r.user ?? r.name,
    ...(tls ? { tls } : {}),
  });
  try {
    let n = 0;
    for (const s of await listSubscriptions(http)) {
      if (!s.notificationUrl.startsWith(prefix)) continue;
      const trigger = decodeURIComponent(s.notificationUrl.slice(prefix.length).split('/')[0] ?? '');
      if (notify.has(trigger)) continue;
      await deleteSubscription(http, s.id).catch(() => undefined);
      o.hub.logger?.info(
        { event: 'graph_subscription_orphan_deleted', subscriptionId: s.id, trigger },
        'deleted a Graph subscription no trigger owns',
      );
      n++;
    }
    return n;
  } finally {
    http.close();
  }
}
