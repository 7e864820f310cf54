import type { Secret } from '../secret.js';

/* Graph change notifications (triggers in mode notify): the store's slice (sql/graph-notify.ts). */

/** A trigger's Graph subscription as stored (its clientState unsealed). */
export interface GraphSubscriptionRecord {
  trigger: string;
  subscriptionId: string;
  /** What was subscribed to: /users/{id}/mailFolders/{folder}/messages. */
  resourcePath: string;
  clientState: Secret;
  /** ms since epoch. */
  expiresAt: number;
}

/** A queued notification: which trigger, and `changed` or a lifecycle event. */
export interface GraphNotificationRow {
  trigger: string;
  kind: GraphNotificationKind;
}

export type GraphNotificationKind = 'changed' | 'missed' | 'reauthorizationRequired' | 'subscriptionRemoved';

/** Subscriptions of `notify` triggers and the queue of notifications received, not yet acted on. */
export interface GraphNotifyStore {
  /** Inserts or replaces the trigger's subscription (clientState sealed). */
  putGraphSubscription(rec: GraphSubscriptionRecord): Promise<void>;
  /** The same for many triggers in one transaction (subscriptions made or renewed together). */
  putGraphSubscriptions(recs: readonly GraphSubscriptionRecord[]): Promise<void>;
  getGraphSubscription(trigger: string): Promise<GraphSubscriptionRecord | undefined>;
  /** By Graph's subscription id: what the notification endpoint checks a notification against. */
  findGraphSubscription(subscriptionId: string): Promise<GraphSubscriptionRecord | undefined>;
  /** Every stored subscription (the start-up sweep compares them with Graph's list). */
  listGraphSubscriptions(): Promise<GraphSubscriptionRecord[]>;
  deleteGraphSubscription(trigger: string): Promise<void>;
  /** Queues notifications; one row per trigger and kind, so repeats collapse. */
  enqueueGraphNotifications(rows: readonly GraphNotificationRow[]): Promise<void>;
  /**
   * Takes (deletes and returns) queued rows: those of triggers `owner` holds a live lease on, or
   * every row without an owner (one process alone). A row is taken by one caller only.
   */
  claimGraphNotifications(owner?: string): Promise<GraphNotificationRow[]>;
}
