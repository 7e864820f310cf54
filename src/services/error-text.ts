import { aadstsJapanese, oauthErrorJapanese } from '../auth/errors-catalogue.js';
import { errorCodesJa } from '../errors/codes-ja.js';
import { errorCodes, type RegisteredErrorCode } from '../errors/codes.js';
import type { Locale } from '../i18n/index.js';

/** What a person reads of a typed error, in their language. */
export interface ErrorText {
  /** What went wrong. */
  summary: string;
  /** What fixes it. */
  fix: string;
  /**
   * The error's own English message and hint, when `summary` and `fix` are the code's general explanation in
   * another language: they name the particular case (the port, the field, the command with the resource's name)
   * and are what a search for the error finds.
   */
  original?: string;
}

/**
 * How a typed error reads in `locale` (the CLI's error printer and the console's error box share this).
 *
 * English: the error's own message and hint, unchanged. Japanese: the code's Japanese explanation and fix (the
 * registry's, or the AADSTS catalogue's, or the OAuth error's), with the English message and hint kept as
 * `original`, since the Japanese texts are general and the English ones name the case. A code without Japanese
 * (none today) falls back to English.
 */
export function errorText(e: { code: string; message: string; hint: string }, locale: Locale): ErrorText {
  const english = { summary: e.message, fix: e.hint };
  if (locale === 'en') return english;
  const ja = japanese(e.code);
  return ja ? { summary: ja.message, fix: ja.hint, original: `${e.message}. Fix: ${e.hint}` } : english;
}

function japanese(code: string): { message: string; hint: string } | undefined {
  if (Object.hasOwn(errorCodes, code)) {
    const [message, hint] = errorCodesJa[code as RegisteredErrorCode];
    return { message, hint };
  }
  if (/^AADSTS\d+$/.test(code)) return aadstsJapanese(code);
  if (code.startsWith('OAUTH_')) return oauthErrorJapanese(code.slice('OAUTH_'.length).toLowerCase());
  return undefined;
}
