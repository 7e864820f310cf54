import type { Locale } from './locale.js';

/** The time zone a language's readers most likely live in, when the viewer's own is unknown. */
const DEFAULT_ZONE: Record<Locale, string> = { en: 'UTC', ja: 'Asia/Tokyo' };

/** A date and time as its reader expects it: `2026/12/07 15:21 JST` for Japanese, `Dec 7, 2026, 15:21 UTC` for English. */
export function formatDateTime(when: Date | number, locale: Locale, timeZone = DEFAULT_ZONE[locale]): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: locale === 'ja' ? '2-digit' : 'short',
    day: locale === 'ja' ? '2-digit' : 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  }).format(when);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** `5 minutes ago` / `5分前`, `in 2 hours` / `2 時間後`: the largest unit that fits, rounded toward zero. */
export function relativeTime(when: Date | number, locale: Locale, now: Date | number = Date.now()): string {
  const seconds = (Number(when) - Number(now)) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(0, 'second');
}
