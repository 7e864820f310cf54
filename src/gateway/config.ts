import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The gateway's configuration (the `gateway:` section of a config file, or flags of
 * `mailbridge gateway`). `smtp` is the submission gateway; `imap` and `pop3` are the listeners of
 * the IMAP/POP3 gateway, passed through to it as they are.
 */

const port = z.number().int().min(0).max(65535);

const listenerSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    /** Plain port with STARTTLS; null turns it off. */
    port: port.nullable().default(2587),
    /** Implicit TLS port; null turns it off. */
    tlsPort: port.nullable().default(2465),
    /** Accept AUTH and mail without TLS from other hosts than loopback (only for devices that cannot do TLS). */
    allowPlain: z.boolean().default(false),
  })
  .strict();

const tlsFilesSchema = z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict();

const allowSourceSchema = z
  .object({
    /** `loopback`, an address, or a network in CIDR form (10.20.0.0/24). */
    network: z.string().min(1),
    /** The resource that sends for these devices. */
    resource: z.string().min(1),
    /** From addresses they may use; empty = the resource's own address. */
    allowedFrom: z.array(z.string()).default([]),
  })
  .strict();

const count = z.number().int().min(0);

/** Messages a minute and an hour; 0 = no limit. */
const messageWindowsSchema = z
  .object({ messagesPerMinute: count.optional(), messagesPerHour: count.optional() })
  .strict();

/**
 * The gateway's own limits, before Exchange's per-mailbox windows (delivery.messagesPerMinute):
 * they keep one looping script or one office's printers from using up the mailbox's 30 a
 * minute for everyone else. Message limits are counted in the store (they hold across restarts);
 * a message over one is answered 450 4.7.1 at MAIL FROM, and the client retries later.
 */
const rateSchema = z
  .object({
    /** Every login (a gateway user, or an allow-listed source address) unless `users` says otherwise. 0 = no limit. */
    messagesPerMinutePerUser: count.default(120),
    messagesPerHourPerUser: count.default(0),
    /** Per gateway user (by name): overrides the two defaults above. */
    users: z.record(z.string(), messageWindowsSchema).default({}),
    /** Per source network, counted together for every address in it (a site's printers, a subnet of scripts). */
    networks: z
      .array(
        messageWindowsSchema.extend({
          /** `loopback`, an address, or a network in CIDR form (10.20.0.0/24). */
          network: z.string().min(1),
        }),
      )
      .default([]),
    connectionsPerMinutePerSource: count.default(600),
    loginFailuresPerSource: count.default(10),
  })
  .strict();

export const smtpGatewayConfigSchema = listenerSchema
  .extend({
    tls: tlsFilesSchema.optional(),
    /** Default 35 MB, Exchange Online's default send limit. */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(35 * 1024 * 1024),
    /** Exchange Online's limit per message is 500. */
    maxRecipients: z.number().int().positive().default(500),
    /** Devices that cannot log in, by source address: loopback and named networks only. */
    allowSources: z.array(allowSourceSchema).default([]),
    rate: rateSchema.default(() => rateSchema.parse({})),
  })
  .strict();

export const deliveryConfigSchema = z
  .object({
    /** Per sending mailbox; Exchange Online: 30. 0 = unlimited (a local relay). */
    messagesPerMinute: z.number().int().min(0).default(30),
    recipientsPerDay: z.number().int().min(0).default(10_000),
    retryBaseMs: z.number().int().positive().default(30_000),
    retryMaxMs: z.number().int().positive().default(3_600_000),
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .default(2 * 86_400_000),
    concurrency: z.number().int().positive().max(64).default(8),
    /** How long a claimed message is held by one worker; after a crash it is retried once this passes. */
    leaseMs: z
      .number()
      .int()
      .positive()
      .default(10 * 60_000),
    /** The From: of bounces; default the sending mailbox itself (Exchange checks Send As on it). */
    bounceFrom: z.string().optional(),
    /** The resource bounces are sent through; default the failed message's own resource. */
    bounceResource: z.string().optional(),
  })
  .strict();

/**
 * An IMAP or POP3 gateway listener: `port` offers STARTTLS/STLS (required before a password
 * unless the client is on loopback or `allowPlain`), `tlsPort` is implicit TLS; null turns either off.
 * The certificate is the SMTP gateway's (`smtp.tls`, or the same self-signed one).
 */
function relayListenerSchema(startTlsPort: number, tlsPort: number) {
  return z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.nullable().default(startTlsPort),
      tlsPort: port.nullable().default(tlsPort),
      allowPlain: z.boolean().default(false),
    })
    .strict();
}

export const gatewayConfigSchema = z
  .object({
    hostname: z.string().min(1).default(hostname()),
    smtp: smtpGatewayConfigSchema.default(() => smtpGatewayConfigSchema.parse({})),
    delivery: deliveryConfigSchema.default(() => deliveryConfigSchema.parse({})),
    // The IMAP and POP3 gateways: off unless their section is present (most devices only send).
    imap: relayListenerSchema(1143, 1993).optional(),
    pop3: relayListenerSchema(1110, 1995).optional(),
  })
  .strict();

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type SmtpGatewayConfig = GatewayConfig['smtp'];
