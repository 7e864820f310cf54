import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Hints for the fields people get wrong most, keyed by the last part of the field path. */
const FIELD_HINTS: Record<string, string> = {
  kind: 'use one of: imap, pop3, smtp, ews, graph',
  port: 'give a TCP port 1-65535, e.g. 993 for IMAP over TLS, 587 for SMTP with STARTTLS',
  secure: 'use none, tls (implicit TLS, ports 993/995/465) or starttls (ports 143/110/587)',
  name: 'use 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
  // Each names the CLI option and the config file field, so both kinds of user can act on it.
  server: 'give the mail server: --host HOST --port PORT --secure tls|starttls (config file: mailHost, port, secure)',
  host: 'give the server host name (IMAP/POP3/SMTP) or base URL (EWS/Graph) with --host (config file: mailHost)',
  authorizeUrl: 'give the OAuth 2.0 authorization endpoint with --authorize-url (config file: authorizeUrl), e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
  tokenUrl: 'give the OAuth 2.0 token endpoint with --token-url (config file: tokenUrl), e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
  callbackUrl: 'give the redirect URI registered on the app with --callback-url (config file: callbackUrl), e.g. https://localhost',
  clientId: 'give the app\'s client ID with --client-id (config file: clientId)',
  scope: 'give the space-separated scopes with --scope (config file: scope), e.g. "offline_access https://outlook.office365.com/IMAP.AccessAsUser.All"',
  flow: 'use authorization_code, device_code or client_credentials',
  clientAuth: 'use secret, certificate or none',
  responseMode: 'use query or form_post',
  cloud: 'use global, usgovhigh, dod or china',
  preset: 'use m365, gmail or generic',
  authType: 'use oauth2 (or basic / none for servers without OAuth)',
};

/** The first zod issue as a ConfigError naming its field, with a hint for that field. */
export function configErrorFromZod(error: z.ZodError, opts: { prefix?: string; where?: string } = {}): ConfigError {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String) : [];
  const field = [opts.prefix, ...path].filter((p) => p !== undefined && p !== '').join('.');
  const last = path[path.length - 1] ?? '';
  const where = opts.where ? `${opts.where}: ` : '';
  let message = issue?.message ?? 'invalid value';
  let hint = FIELD_HINTS[last] ?? 'correct the value and try again';
  if (issue?.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    message = `unknown field${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
    hint = 'remove it or check its spelling (see `mailbridge resource add --help` for the fields)';
  } else if (issue?.code === 'invalid_value') {
    const values = ((issue as { values?: unknown[] }).values ?? []).map(String).join(', ');
    message = last === 'kind' ? `unknown resource kind (valid kinds: ${values})` : `must be one of: ${values}`;
  } else if (issue?.code === 'invalid_type' && /received undefined/.test(message)) {
    message = 'is required';
  }
  return new ConfigError({
    code: 'CONFIG_INVALID',
    field: field || 'resource',
    message: `${where}${field || 'resource'}: ${message}`,
    hint,
    details: { issues: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
  });
}
