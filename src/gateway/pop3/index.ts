import { startGatewayListener, type GatewayListener, type GatewayListenerOptions } from '../relay/listener.js';
import { runPop3Session } from './session.js';

export type Pop3GatewayOptions = GatewayListenerOptions;

/**
 * Starts one POP3 gateway listener (issue 13): legacy clients log in with a gateway user's
 * name and password (USER/PASS or AUTH PLAIN); the gateway logs in to the mapped pop3
 * resource's server with XOAUTH2 and relays the session untouched. Call it once per port
 * (e.g. security `tls` on 995 and `starttls` on 110).
 */
export function startPop3Gateway(options: Pop3GatewayOptions): Promise<GatewayListener> {
  const logger = options.logger?.child({ component: 'gateway-pop3' });
  return startGatewayListener('pop3', options, (conn) =>
    runPop3Session(conn, { ...options, ...(logger ? { logger } : {}) }),
  );
}
