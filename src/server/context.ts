import type { TokenManager } from '../auth/token-manager.js';
import type { Logger } from '../log.js';
import type { HostAccessPolicy } from '../services/host-access.js';
import type { Store } from '../store/store.js';
import type { TriggerRunner } from '../triggers/runner.js';
import type { CredentialStore } from './credentials.js';
import type { ConsentBroker } from './consent-broker.js';
import type { DeviceFlows } from './device-flows.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Metrics } from './metrics.js';
import type { Sessions } from './sessions.js';

/** What every route group gets: the store, tokens, triggers and the service's own state. */
export interface ServerContext {
  store: Store;
  tokens: TokenManager;
  /** The trigger runner of this process (pause/resume/replay and its live status). */
  runner: TriggerRunner;
  credentials: CredentialStore;
  sessions: Sessions;
  consents: ConsentBroker;
  devices: DeviceFlows;
  metrics: Metrics;
  /** Host access over the API and the console: only with `serve --allow-host-access` (docs/security.md). */
  hostAccess: HostAccessPolicy;
  loginThrottle: LoginThrottle;
  /** The `secure` of the service's cookies: always behind a TLS proxy, else when the request came over https. */
  secureCookies: true | 'auto';
  logger?: Logger;
  now: () => number;
}
