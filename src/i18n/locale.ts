/** The languages mailbridge speaks. English is the fallback for everything else. */
export const LOCALES = ['en', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];

/** `ja`, `ja_JP.UTF-8`, `ja-JP` → 'ja'; anything else (or nothing) → undefined. */
export function parseLocale(tag: string | undefined): Locale | undefined {
  if (!tag) return undefined;
  const lang = tag
    .trim()
    .toLowerCase()
    .split(/[-_.@]/)[0];
  return (LOCALES as readonly string[]).includes(lang ?? '') ? (lang as Locale) : undefined;
}

/**
 * The CLI's language, the way gettext picks it: the first of LC_ALL, LC_MESSAGES, LANG that is set decides
 * (an empty one is skipped; `C`/`POSIX` mean English).
 */
export function localeFromEnv(env: NodeJS.ProcessEnv = process.env): Locale {
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name];
    if (value) return parseLocale(value) ?? 'en';
  }
  return 'en';
}

/**
 * The browser's language from an Accept-Language header (RFC 9110 §12.5.4): the supported language with the
 * highest q wins, ties by order; none supported → English.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return 'en';
  let best: { locale: Locale; q: number } | undefined;
  for (const part of header.split(',')) {
    const [tag, ...params] = part.split(';');
    const locale = parseLocale(tag);
    if (!locale) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { locale, q };
  }
  return best?.locale ?? 'en';
}
