import type { Sealer } from '../seal.js';
import type { SqlDriver } from './driver.js';

/** What every slice of the SQL store works with. */
export interface SqlContext {
  readonly db: SqlDriver;
  /** Seals every Secret before it is written, unseals it on read. */
  readonly sealer: Sealer;
  /** Clock in ms (timestamps, expiries, heartbeats, leases). */
  readonly now: () => number;
}
