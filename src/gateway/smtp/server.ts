import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAuthentication,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import type { Logger } from '../../log.js';
import type { GatewayStore } from '../../store/gateway.js';
import type { SmtpGatewayConfig } from '../config.js';
import type { GatewayDirectory } from '../directory.js';
import { readHeaderAddresses } from '../headers.js';
import { SlidingWindowLimiter } from '../rate-limit.js';
import { fromAllowed } from '../users.js';
import { buildSourceAllowList, isLoopbackAddress } from './access.js';
import { messageRateLimiter } from './message-rate.js';
import type { GatewayTls } from './tls.js';

/**
 * The SMTP submission gateway (smtp-server): legacy clients log in with AUTH PLAIN/LOGIN as a
 * gateway user, or send without a login from an allow-listed source; each message is checked
 * (From allowed for that login, size, recipients) and answered `250` only once it is committed to
 * the spool. It is an authenticated relay, never an open one: a session that neither logged in
 * nor comes from an allow-listed source cannot give MAIL FROM.
 */

export interface SmtpGatewayOptions {
  config: SmtpGatewayConfig;
  hostname: string;
  tls: GatewayTls;
  directory: GatewayDirectory;
  store: GatewayStore;
  /** The resource's own address (the allowed From when the login has no allow-list). */
  ownAddress(resource: string): Promise<string | undefined>;
  /** Called after a message was committed, with its bytes (handed to the delivery worker). */
  onAccepted?(id: string, raw: Buffer): void;
  /** Counts a message for a gateway user (usage shown by `gateway user list`). */
  countMessage?(user: string, address: string): Promise<void>;
  logger?: Logger;
}

export interface SmtpGateway {
  /** The bound ports (0 in the config = the OS chose). */
  readonly port: number | undefined;
  readonly tlsPort: number | undefined;
  close(): Promise<void>;
}

/** Who is sending in a session: a gateway user, or an allow-listed source. */
interface Sender {
  kind: 'user' | 'source';
  name: string;
  resource: string;
  allowedFrom: readonly string[];
}

type SmtpReplyError = Error & { responseCode: number };
const reply = (code: number, text: string): SmtpReplyError => Object.assign(new Error(text), { responseCode: code });

export async function startSmtpGateway(o: SmtpGatewayOptions): Promise<SmtpGateway> {
  const { config, logger } = o;
  const sources = buildSourceAllowList(config.allowSources);
  const connections = new SlidingWindowLimiter(config.rate.connectionsPerMinutePerSource, 60_000);
  const messageRate = messageRateLimiter(config.rate, o.store);
  const senders = new WeakMap<SMTPServerSession, Sender>();

  const plainAllowed = (session: SMTPServerSession) =>
    session.secure || config.allowPlain || isLoopbackAddress(session.remoteAddress);

  const senderOf = (session: SMTPServerSession): Sender | undefined => {
    const known = senders.get(session);
    if (known) return known;
    const user = session.user as unknown;
    if (user && typeof user === 'object' && 'resource' in user) return user as Sender;
    const rule = sources.match(session.remoteAddress);
    if (!rule) return undefined;
    const s: Sender = {
      kind: 'source',
      name: session.remoteAddress,
      resource: rule.resource,
      allowedFrom: rule.allowedFrom.map((a) => a.toLowerCase()),
    };
    senders.set(session, s);
    return s;
  };

  /** Once per session: MAIL FROM and the header check of every message ask, the answer does not change. */
  const allowedOfSender = new WeakMap<Sender, Promise<string[]>>();
  function allowedFromOf(s: Sender): Promise<string[]> {
    let allowed = allowedOfSender.get(s);
    if (!allowed) {
      allowed = s.allowedFrom.length
        ? Promise.resolve([...s.allowedFrom])
        : o.ownAddress(s.resource).then((own) => (own ? [own.toLowerCase()] : []));
      allowedOfSender.set(s, allowed);
      allowed.catch(() => allowedOfSender.delete(s));
    }
    return allowed;
  }

  const handlers: Partial<SMTPServerOptions> = {
    name: o.hostname,
    banner: 'mailbridge gateway ESMTP',
    authMethods: ['PLAIN', 'LOGIN'],
    // Checked in onAuth with our rule (TLS, loopback, or allowPlain), so the refusal can say why.
    allowInsecureAuth: true,
    authOptional: true,
    size: config.maxMessageBytes,
    useXClient: false,
    useXForward: false,
    disableReverseLookup: true,
    logger: false,
    maxClients: 200,
    socketTimeout: 120_000,
    onConnect(session, cb) {
      if (!connections.take(session.remoteAddress)) {
        logger?.warn(
          { session: session.id, remoteAddress: session.remoteAddress },
          'gateway: smtp connection refused (too many from this source)',
        );
        cb(reply(421, '4.7.0 Too many connections from your address; try again later'));
        return;
      }
      logger?.info(
        { session: session.id, remoteAddress: session.remoteAddress, localPort: session.localPort },
        'gateway: smtp session opened',
      );
      cb();
    },
    onClose(session) {
      logger?.info(
        { session: session.id, remoteAddress: session.remoteAddress, user: senderOf(session)?.name },
        'gateway: smtp session closed',
      );
    },
    onAuth(auth: SMTPServerAuthentication, session, cb) {
      if (!plainAllowed(session)) {
        cb(reply(538, '5.7.11 Encryption required: use STARTTLS (or the TLS port) before AUTH'));
        return;
      }
      const name = auth.username ?? '';
      const password = auth.password ?? '';
      o.directory.authenticate(name, password, { protocol: 'smtp', remoteAddress: session.remoteAddress }).then(
        (r) => {
          if (!r.ok) {
            cb(
              r.reason === 'rate-limited'
                ? reply(454, '4.7.0 Too many failed logins; try again later')
                : reply(535, '5.7.8 Authentication credentials invalid'),
            );
            return;
          }
          cb(null, {
            user: {
              kind: 'user',
              name: r.principal.user,
              resource: r.principal.resource,
              allowedFrom: r.principal.allowedFrom,
            } satisfies Sender,
          });
        },
        (e: unknown) => {
          logger?.error(
            { session: session.id, err: e instanceof Error ? e.message : String(e) },
            'gateway: login check failed',
          );
          cb(reply(454, '4.7.0 Temporary authentication failure'));
        },
      );
    },
    onMailFrom(address, session, cb) {
      const s = senderOf(session);
      if (!s) {
        cb(reply(530, '5.7.0 Authentication required'));
        return;
      }
      if (s.kind === 'source' && !plainAllowed(session)) {
        cb(reply(530, '5.7.0 Must issue a STARTTLS command first'));
        return;
      }
      if (!address.address) {
        cb(reply(550, '5.7.1 Null sender not accepted from clients'));
        return;
      }
      void allowedFromOf(s)
        .then(async (allowed) => {
          if (!fromAllowed(allowed, address.address)) {
            logger?.warn(
              { session: session.id, sender: s.name, mailFrom: address.address },
              'gateway: envelope sender not allowed',
            );
            cb(reply(553, `5.7.1 Sender address <${address.address}> is not allowed for this login`));
            return;
          }
          const limited = await messageRate.take(`${s.kind}:${s.name}`, session.remoteAddress);
          if (limited) {
            logger?.warn(
              {
                session: session.id,
                sender: `${s.kind}:${s.name}`,
                remoteAddress: session.remoteAddress,
                reply: limited,
              },
              'gateway: message refused by a rate limit',
            );
            cb(reply(450, limited));
            return;
          }
          cb();
        })
        .catch((e: unknown) =>
          cb(reply(451, `4.3.0 ${e instanceof Error ? e.message.slice(0, 100) : 'temporary failure'}`)),
        );
    },
    onRcptTo(address, session, cb) {
      if (session.envelope.rcptTo.length >= config.maxRecipients) {
        cb(reply(452, `4.5.3 Too many recipients (at most ${config.maxRecipients} per message)`));
        return;
      }
      if (!/^[^\s@]+@[^\s@]+$/.test(address.address)) {
        cb(reply(553, '5.1.3 Bad recipient address syntax'));
        return;
      }
      cb();
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      void receive(stream, session).then(
        (text) => cb(null, text),
        (e: unknown) => cb(e as Error),
      );
    },
  };

  async function receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= config.maxMessageBytes) chunks.push(chunk);
    }
    if (stream.sizeExceeded || size > config.maxMessageBytes) {
      throw reply(552, `5.3.4 Message size exceeds the gateway's limit of ${config.maxMessageBytes} bytes`);
    }
    const s = senderOf(session);
    if (!s) throw reply(530, '5.7.0 Authentication required');
    const raw = Buffer.concat(chunks, size);
    const headers = readHeaderAddresses(raw);
    const allowed = await allowedFromOf(s);
    const authors = [...headers.from, ...headers.sender];
    if (headers.from.length === 0) throw reply(550, '5.6.0 The message has no From: header');
    const refused = authors.find((a) => !fromAllowed(allowed, a));
    if (refused) {
      logger?.warn({ session: session.id, sender: s.name, headerFrom: refused }, 'gateway: header From not allowed');
      throw reply(550, `5.7.1 From: <${refused}> is not allowed for this login`);
    }
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const rcptTo = session.envelope.rcptTo.map((r) => r.address);
    const id = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
    const envDsn = session.envelope.dsn;
    try {
      await o.store.spoolMessage(
        {
          id,
          resource: s.resource,
          principal: `${s.kind}:${s.name}`,
          source: session.remoteAddress,
          mailFrom,
          rcptTo,
          dsn: {
            ...(envDsn?.ret ? { ret: envDsn.ret === 'HDRS' ? 'HDRS' : 'FULL' } : {}),
            ...(envDsn?.envid ? { envid: envDsn.envid } : {}),
            notify: session.envelope.rcptTo.map((r) => r.dsn?.notify),
          },
          raw,
        },
        Date.now(),
      );
    } catch (e) {
      logger?.error(
        { session: session.id, err: e instanceof Error ? e.message : String(e) },
        'gateway: could not spool a message; the client was told to retry',
      );
      throw reply(451, '4.3.0 Could not store the message; try again later');
    }
    logger?.info(
      {
        session: session.id,
        spoolId: id,
        sender: `${s.kind}:${s.name}`,
        resource: s.resource,
        size,
        recipients: rcptTo.length,
        messageId: headers.messageId,
      },
      'gateway: message accepted',
    );
    if (s.kind === 'user') void o.countMessage?.(s.name, session.remoteAddress).catch(() => undefined);
    o.onAccepted?.(id, raw);
    return `2.0.0 Ok: queued as ${id}`;
  }

  const listen = async (secure: boolean, port: number): Promise<{ server: SMTPServer; port: number }> => {
    const server = new SMTPServer({ ...handlers, secure, key: o.tls.key, cert: o.tls.cert, minVersion: 'TLSv1.2' });
    server.on('error', (e: Error) => logger?.warn({ err: e.message }, 'gateway: smtp listener error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, config.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    return { server, port: (server.server.address() as AddressInfo).port };
  };

  const plain = config.port === null ? undefined : await listen(false, config.port);
  let implicit: { server: SMTPServer; port: number } | undefined;
  try {
    implicit = config.tlsPort === null ? undefined : await listen(true, config.tlsPort);
  } catch (e) {
    if (plain) await new Promise<void>((r) => plain.server.close(() => r()));
    throw e;
  }
  logger?.info(
    { host: config.host, port: plain?.port, tlsPort: implicit?.port, fingerprint: o.tls.fingerprint },
    'gateway: smtp listening',
  );
  return {
    port: plain?.port,
    tlsPort: implicit?.port,
    async close() {
      await Promise.all(
        [plain, implicit].flatMap((l) => (l ? [new Promise<void>((r) => l.server.close(() => r()))] : [])),
      );
    },
  };
}
