/**
 * The sandbox: an offline Microsoft identity platform (`startIdentityEmulator`) and an Exchange-like mail server
 * with SMTP, IMAP, POP3, EWS and Graph endpoints that accept its tokens (`startExchangeSandbox`). For tests of Microsoft
 * 365 mail code, in a user's own CI too. It behaves like Microsoft, not like mailbridge, and imports nothing of it: it is
 * the package `@mailbridge/sandbox` (bin: `mailbridge-sandbox`), which mailbridge loads only when it needs it.
 *
 * @packageDocumentation
 */
export { SandboxSeedError, type SandboxErrorCode, type SandboxErrorDetails } from './errors.js';
export * from './identity/index.js';
export * from './exchange/index.js';
