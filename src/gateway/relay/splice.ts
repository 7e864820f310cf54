import type { Socket } from 'node:net';
import type { Logger } from '../../log.js';

/**
 * After the upstream login the gateway is a pipe: every byte both ways, untouched (IDLE,
 * literals, large FETCH/RETR), with stream.pipe's backpressure so a slow client slows the
 * upstream read instead of filling memory. Bytes already read past the login on either side
 * go first. When one side closes or fails, the other is closed too.
 */
export interface SpliceResult {
  /** Bytes relayed client → upstream and upstream → client. */
  up: number;
  down: number;
  /** Who ended the session. */
  closedBy: 'client' | 'upstream';
  error?: string;
}

export function splice(
  client: Socket,
  upstream: Socket,
  leftovers: { client: Buffer; upstream: Buffer },
  onEnd: (result: SpliceResult) => void,
): void {
  // The client may have gone while the upstream login ran: its 'close' is past, so end here.
  if (client.destroyed || upstream.destroyed) {
    client.destroy();
    upstream.destroy();
    onEnd({ up: 0, down: 0, closedBy: client.destroyed ? 'client' : 'upstream' });
    return;
  }
  // Interactive traffic (a command, its reply) must not wait for Nagle's algorithm on either hop.
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const startClient = client.bytesWritten;
  const startUpstream = upstream.bytesWritten;
  let closedBy: SpliceResult['closedBy'] | undefined;
  let error: string | undefined;
  const finish = (side: SpliceResult['closedBy'], err?: Error) => {
    if (err && !error) error = `${side}: ${err.message}`;
    if (!closedBy) closedBy = side;
    client.destroy();
    upstream.destroy();
  };
  client.on('error', (e) => finish('client', e));
  upstream.on('error', (e) => finish('upstream', e));
  client.once('close', () => finish('client'));
  upstream.once('close', () => finish('upstream'));
  let closes = 0;
  const closed = () => {
    if (++closes < 2) return;
    onEnd({
      up: upstream.bytesWritten - startUpstream,
      down: client.bytesWritten - startClient,
      closedBy: closedBy ?? 'client',
      ...(error ? { error } : {}),
    });
  };
  client.once('close', closed);
  upstream.once('close', closed);
  if (leftovers.upstream.length > 0) client.write(leftovers.upstream);
  if (leftovers.client.length > 0) upstream.write(leftovers.client);
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * The relay phase of an IMAP or POP3 gateway session, once the client has been told it is
 * logged in: logs that, splices the two sockets, and logs the session's end with its byte counts.
 */
export function relaySession(
  protocol: 'imap' | 'pop3',
  client: Socket,
  upstream: { socket: Socket; leftover: Buffer },
  clientLeftover: Buffer,
  o: { who: Record<string, unknown>; started: number; log?: Logger | undefined },
): void {
  o.log?.info(o.who, `${protocol} gateway login; relaying`);
  splice(client, upstream.socket, { client: clientLeftover, upstream: upstream.leftover }, (r) => {
    o.log?.info(
      {
        ...o.who,
        up: r.up,
        down: r.down,
        closedBy: r.closedBy,
        ms: Date.now() - o.started,
        ...(r.error ? { error: r.error } : {}),
      },
      `${protocol} session ended`,
    );
  });
}
