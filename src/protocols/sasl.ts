import { z } from 'zod';
import type { Secret } from '../secret.js';

/**
 * SASL initial responses for OAuth 2.0 logins. The strings returned hold the access token
 * (base64 is no protection): put them on the wire and nowhere else.
 */

const CTRL_A = '\x01';

/** XOAUTH2 (Google/Microsoft): base64("user=" u ^A "auth=Bearer " t ^A ^A). */
export function xoauth2Initial(user: string, token: Secret): string {
  return Buffer.from(`user=${user}${CTRL_A}auth=Bearer ${token.reveal()}${CTRL_A}${CTRL_A}`, 'utf8').toString('base64');
}

/** OAUTHBEARER (RFC 7628 §3.1): a GS2 header naming the user, then host, port and the bearer token. */
export function oauthbearerInitial(user: string, token: Secret, host: string, port: number): string {
  // RFC 5801 saslname: "," and "=" in the authzid are escaped as =2C and =3D.
  const authzid = user.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const message = `n,a=${authzid},${CTRL_A}host=${host}${CTRL_A}port=${port}${CTRL_A}auth=Bearer ${token.reveal()}${CTRL_A}${CTRL_A}`;
  return Buffer.from(message, 'utf8').toString('base64');
}

/** What a server says in the `+`/`334` challenge after a refused token (RFC 7628 §3.2.2 style). */
export const oauthErrorChallengeSchema = z.object({
  status: z.string(),
  schemes: z.string().optional(),
  scope: z.string().optional(),
  'openid-configuration': z.string().optional(),
});
export type OAuthErrorChallenge = z.infer<typeof oauthErrorChallengeSchema>;

/** Decodes a base64 JSON error challenge; undefined when the text is not one. */
export function parseOAuthErrorChallenge(base64: string): OAuthErrorChallenge | undefined {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    const parsed = oauthErrorChallengeSchema.safeParse(JSON.parse(Buffer.from(text, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
