import { createGatewayStore, type GatewayStore } from '../store/gateway.js';
import { databaseTarget } from '../store/open.js';
import { openSqlPort } from '../store/sql-port.js';

/**
 * The gateway's slice of the store, on the database `openStore` uses (MAILBRIDGE_DATABASE_URL or
 * the home's SQLite file). Open the main Store first: it applies the migrations, version 8 included.
 */
export function openGatewayStore(o: { home: string; env: NodeJS.ProcessEnv }): GatewayStore {
  return createGatewayStore(openSqlPort(databaseTarget(o)));
}
