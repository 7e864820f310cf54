import { pino, type Logger } from 'pino';

/** Keys whose values are never written to a log, wherever they appear. */
// Not `code`: it names error codes (ENOTFOUND, AADSTS…) everywhere; authorization codes are
// never logged as objects, and they are single-use and PKCE-bound anyway.
export const REDACTED_KEYS = [
  'client_secret', 'clientSecret', 'secret', 'password', 'access_token', 'accessToken',
  'refresh_token', 'refreshToken', 'id_token', 'idToken', 'code_verifier',
  'codeVerifier', 'client_assertion', 'device_code', 'authorization', 'Authorization', 'token',
];

/**
 * The structured logger (one JSON event per line on stderr). Level from MAILBRIDGE_LOG
 * (default `warn` so the CLI stays quiet on success).
 */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.MAILBRIDGE_LOG ?? 'warn';
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    { level, redact: { paths, censor: '***' }, base: { app: 'mailbridge' } },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
}

export type { Logger };
