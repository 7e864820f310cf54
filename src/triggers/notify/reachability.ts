import { randomBytes } from 'node:crypto';
import { readCapped, ReadLimitExceeded } from '../../limits.js';

/** The answer is only the echoed token: anything longer is not our handshake, and is not read further. */
const HANDSHAKE_ANSWER_BYTES = 4 * 1024;

/**
 * Does the public notification URL reach this service? The same handshake Graph runs when a
 * subscription is created (POST ?validationToken=…, 200 with the token as text/plain within
 * 10 s), sent to a name no trigger has. Returns undefined when it works, else why not.
 * From inside the network this proves the proxy or tunnel path only as far as this host sees
 * it; Graph's own handshake at subscription time is the final word (and its failure is typed).
 */
export async function checkNotificationUrl(publicUrl: string, timeoutMs = 10_000): Promise<string | undefined> {
  const token = `mailbridge-reachability-${randomBytes(8).toString('hex')}`;
  const url = `${publicUrl.replace(/\/+$/, '')}/notifications/graph/_reachability?validationToken=${encodeURIComponent(token)}`;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      return `answered HTTP ${res.status}`;
    }
    const text = res.body
      ? (
          await readCapped(res.body, HANDSHAKE_ANSWER_BYTES, 'the validation answer', res.headers.get('content-length'))
        ).toString('utf8')
      : '';
    if (text !== token) return 'answered 200 but not with the validation token (is another service at that URL?)';
    return undefined;
  } catch (e) {
    if (e instanceof ReadLimitExceeded)
      return 'answered 200 with far more than the validation token (is another service at that URL?)';
    return e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  }
}
