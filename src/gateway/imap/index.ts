import { startGatewayListener, type GatewayListener, type GatewayListenerOptions } from '../relay/listener.js';
import { runImapSession } from './session.js';

export type ImapGatewayOptions = GatewayListenerOptions;

/**
 * Starts one IMAP gateway listener (issue 13): legacy clients log in with a gateway user's
 * name and password (LOGIN or AUTHENTICATE PLAIN); the gateway logs in to the mapped imap
 * resource's server with XOAUTH2 and relays the session untouched. Call it once per port
 * (e.g. security `tls` on 993 and `starttls` on 143).
 */
export function startImapGateway(options: ImapGatewayOptions): Promise<GatewayListener> {
  const logger = options.logger?.child({ component: 'gateway-imap' });
  return startGatewayListener('imap', options, (conn) =>
    runImapSession(conn, { ...options, ...(logger ? { logger } : {}) }),
  );
}
