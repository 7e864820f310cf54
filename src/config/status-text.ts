import { type Locale, messages, t } from '../i18n/index.js';
import type { RefreshTokenStatus } from './resource.js';

/**
 * The refresh token status words as people read them. The values themselves (Available, Expired…) are the
 * integration platform's and the seed guide's, and the API's: they stay as they are; Japanese adds its word before
 * them, so a reader of the guide still finds the value it names.
 */
const words = messages('status', {
  Available: { en: 'Available', ja: '利用可能 (Available)' },
  Missing: { en: 'Missing', ja: '未取得 (Missing)' },
  Expired: { en: 'Expired', ja: '期限切れ (Expired)' },
  Revoked: { en: 'Revoked', ja: '取り消し済み (Revoked)' },
  ConsentRequired: { en: 'ConsentRequired', ja: '要同意 (ConsentRequired)' },
  InvalidClient: { en: 'InvalidClient', ja: 'クライアント不正 (InvalidClient)' },
} satisfies Record<RefreshTokenStatus, unknown>);

/** A refresh token status in `locale`: `Available` / `利用可能 (Available)`. */
export function statusText(status: RefreshTokenStatus, locale: Locale): string {
  return t(words[status], locale);
}
