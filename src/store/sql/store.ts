import type { Store } from '../store.js';
import { sqlAttemptStore } from './attempts.js';
import { sqlConsentStore } from './consents.js';
import type { SqlContext } from './context.js';
import { sqlCoordinationStore } from './coordination.js';
import { sqlCredentialStore } from './credentials.js';
import { sqlEwsStreamingStore } from './ews-streaming.js';
import { sqlGatewayStore } from './gateway.js';
import { sqlGraphNotifyStore } from './graph-notify.js';
import { sqlResourceStore } from './resources.js';
import { sqlSealingStore } from './sealing.js';
import { sqlTokenStore } from './tokens.js';
import { sqlTriggerStore } from './triggers.js';

/**
 * The one Store, over either database: each slice of the Store interface (store.ts) is written
 * once, in its own file here, over the SqlDriver of sqlite.ts or postgres.ts. A new slice (its
 * interface in store.ts, its tables in migrations.ts) adds one file and one line below.
 */
export function createSqlStore(ctx: SqlContext): Store {
  return {
    ...sqlResourceStore(ctx),
    ...sqlTokenStore(ctx),
    ...sqlConsentStore(ctx),
    ...sqlTriggerStore(ctx),
    ...sqlCoordinationStore(ctx),
    ...sqlCredentialStore(ctx),
    ...sqlSealingStore(ctx),
    ...sqlGatewayStore(ctx),
    ...sqlAttemptStore(ctx),
    ...sqlGraphNotifyStore(ctx),
    ...sqlEwsStreamingStore(ctx),
    close: () => ctx.db.close(),
  };
}
