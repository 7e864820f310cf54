import nodemailer from 'nodemailer';
import { randomBytes } from 'node:crypto';
import { createSmtpSender } from '../src/protocols/smtp/index.js';
import type { Rig } from '../test/helpers/rig.js';
import { alternate, type Comparison } from './lib.js';

const MESSAGES = Number(process.env.BENCH_SEND_MESSAGES ?? 2000);
const CONNECTIONS = 5;

/** A 20 KB message: text plus a base64 attachment, as bulk notifications look. */
function message(from: string, to: string, i: number) {
  return {
    from, to, subject: `bench ${i}`,
    text: 'x'.repeat(2_000),
    attachments: [{ filename: 'data.bin', content: randomBytes(13_000) }],
  };
}

/**
 * 2,000 messages of 20 KB through a pooled transport with XOAUTH2, rate limit off: our SMTP
 * sender (token provider, error mapping, pool options) against bare nodemailer with the same
 * pool size and the same token, alternating, messages per second.
 */
export async function benchSend(rig: Rig, runs: number, log: (s: string) => void): Promise<Comparison> {
  const sender = rig.uniqueMailbox();
  const to = rig.uniqueMailbox();
  const token = await rig.mintToken(sender);
  const tls = { ca: [rig.caPem], servername: 'localhost' };

  const ours = async () => {
    const s = createSmtpSender({
      resource: rig.resource('smtp', sender, { rateLimitPerMinute: 0 }),
      tokens: { getAccessToken: async () => token },
      pool: { maxConnections: CONNECTIONS, maxMessages: MESSAGES },
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: MESSAGES }, (_, i) => s.send(message(sender, to, i))));
    const secs = (performance.now() - t0) / 1000;
    s.close();
    return MESSAGES / secs;
  };
  const bare = async () => {
    const t = nodemailer.createTransport({
      host: rig.smtp.host, port: rig.smtp.submissionPort, secure: false, requireTLS: true, tls,
      pool: true, maxConnections: CONNECTIONS, maxMessages: MESSAGES,
      auth: { type: 'OAuth2', user: sender, accessToken: token.reveal() },
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: MESSAGES }, (_, i) => t.sendMail(message(sender, to, i))));
    const secs = (performance.now() - t0) / 1000;
    t.close();
    return MESSAGES / secs;
  };
  const r = await alternate(runs, ours, bare, log);
  return { name: `send ${MESSAGES} × 20 KB, pooled (${CONNECTIONS} connections), XOAUTH2`, unit: 'msg/s', better: 'higher', ...r, minRatio: 0.95, target: '≥ 0.95 × bare nodemailer' };
}
