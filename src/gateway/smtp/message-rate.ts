import type { GatewayStore, SubmissionKey, SubmissionWindow } from '../../store/gateway.js';
import type { SmtpGatewayConfig } from '../config.js';
import { networkMatcher } from './access.js';

/**
 * The gateway's message rate limits per login (a gateway user, or an allow-listed source
 * address) and per source network, counted in the store so that a restart does not reset them.
 * Checked at MAIL FROM: a refused message costs the client one command, and it is told to come
 * back later (450 4.7.1, a temporary failure every MTA and most devices retry).
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface MessageRateLimiter {
  /**
   * Counts a message of `principal` (`user:NAME` or `source:ADDRESS`) from `remoteAddress`;
   * undefined when it may go on, else the SMTP reply text (without its code).
   */
  take(principal: string, remoteAddress: string): Promise<string | undefined>;
}

const windows = (perMinute: number | undefined, perHour: number | undefined): SubmissionWindow[] => [
  ...(perMinute ? [{ windowMs: MINUTE, max: perMinute }] : []),
  ...(perHour ? [{ windowMs: HOUR, max: perHour }] : []),
];

const per = (w: SubmissionWindow) => `${w.max} per ${w.windowMs === MINUTE ? 'minute' : 'hour'}`;

export function messageRateLimiter(
  rate: SmtpGatewayConfig['rate'],
  store: GatewayStore,
  now: () => number = Date.now,
): MessageRateLimiter {
  const networks = rate.networks.map((n, i) => ({
    matcher: networkMatcher(n.network, `smtp.rate.networks.${i}.network`),
    windows: windows(n.messagesPerMinute, n.messagesPerHour),
  }));
  const ofPrincipal = (principal: string): SubmissionWindow[] => {
    const own = principal.startsWith('user:') ? rate.users[principal.slice(5)] : undefined;
    return windows(
      own?.messagesPerMinute ?? rate.messagesPerMinutePerUser,
      own?.messagesPerHour ?? rate.messagesPerHourPerUser,
    );
  };
  return {
    async take(principal, remoteAddress) {
      const keys: SubmissionKey[] = [];
      const mine = ofPrincipal(principal);
      if (mine.length) keys.push({ key: principal, windows: mine });
      for (const n of networks) {
        if (n.windows.length && n.matcher.has(remoteAddress))
          keys.push({ key: `net:${n.matcher.network}`, windows: n.windows });
      }
      if (keys.length === 0) return undefined;
      const t = now();
      const r = await store.takeGatewaySubmission(keys, t, t - HOUR);
      if (r.ok) return undefined;
      const wait = Math.max(1, Math.ceil((r.retryAt - t) / 1000));
      const whose = r.key.startsWith('net:') ? `your network ${r.key.slice(4)}` : 'this login';
      return `4.7.1 Message rate limit reached for ${whose} (${per(r.window)}); try again in ${wait} s`;
    },
  };
}
