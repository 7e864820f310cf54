import type { Secret } from '../secret.js';
import type { RefreshTokenStatus, Resource, SecureMode } from './resource.js';

/** One row of the integration platform's resource form: its label and the value shown. */
export interface FieldRow { label: string; value: string }

/**
 * The guide's field table for a resource, with the integration platform's labels (Email
 * receive / Email send resources; the Exchange resource for EWS), so a user can compare it line
 * by line with the slides. The client secret is masked; the status comes from the store.
 */
export function resourceFieldRows(
  r: Resource,
  opts: { status: RefreshTokenStatus; clientSecret?: Secret | undefined; statusReason?: string | undefined },
): FieldRow[] {
  const rows: FieldRow[] = r.kind === 'ews' || r.kind === 'graph' ? webRows(r) : mailRows(r);
  rows.push({ label: 'Authentication type', value: AUTH_LABEL[r.authType] });
  rows.push({ label: 'User', value: r.user ?? '' });
  // Client credentials have no refresh token: what is Available there is an app-only token.
  const appOnly = r.oauth?.flow === 'client_credentials';
  rows.push({ label: appOnly ? 'OAuth app-only token status' : 'OAuth refresh token status', value: opts.statusReason ? `${opts.status} (${opts.statusReason})` : opts.status });
  const o = r.oauth;
  if (o) {
    rows.push(
      { label: 'Authorization URL', value: o.authorizeUrl },
      { label: 'Access token URL', value: o.tokenUrl },
      { label: 'Callback URL', value: o.callbackUrl },
      { label: 'Client ID', value: o.clientId },
      { label: 'Client secret', value: o.clientAuth === 'secret' ? (opts.clientSecret ? opts.clientSecret.masked() : '(not set)') : `(none: ${o.clientAuth})` },
      { label: 'Scope', value: o.scope },
      { label: 'State', value: o.state ?? '(random per consent)' },
    );
    if (r.kind === 'ews' || r.kind === 'graph') rows.push({ label: 'Response mode', value: o.responseMode });
    // Not in the platform's form, but needed to tell two set-ups apart.
    rows.push({ label: 'Flow', value: o.flow }, { label: 'Tenant ID', value: o.tenantId });
    if (o.deviceCodeUrl && o.flow === 'device_code') rows.push({ label: 'Device code URL', value: o.deviceCodeUrl });
  }
  if (r.cloud && r.cloud !== 'global') rows.push({ label: 'Cloud', value: r.cloud });
  if (r.rateLimitPerMinute) rows.push({ label: 'Send rate limit', value: `${r.rateLimitPerMinute} per minute` });
  if (r.graphFallback) rows.push({ label: 'Graph fallback', value: `${r.graphFallback.baseUrl} (sendMail when SMTP AUTH is refused)` });
  return rows;
}

const AUTH_LABEL: Record<Resource['authType'], string> = { none: 'None', basic: 'Basic', oauth2: 'OAuth 2' };

/** Email receive (IMAP/POP3) fills the incoming fields; Email send (SMTP) the outgoing ones. */
function mailRows(r: Resource): FieldRow[] {
  const incoming = r.kind !== 'smtp';
  const s = r.server;
  return [
    // The platform leaves Server type blank for a send-only resource.
    { label: 'Server type', value: r.kind === 'imap' ? 'IMAP' : r.kind === 'pop3' ? 'POP3' : '' },
    { label: 'Incoming mail server', value: incoming ? s.host : '' },
    { label: 'Incoming port', value: incoming ? String(s.port) : '' },
    { label: 'Incoming secure connection', value: incoming ? incomingSecure(s.secure) : 'No' },
    { label: 'Outgoing mail server', value: incoming ? '' : s.host },
    { label: 'Outgoing port', value: incoming ? '' : String(s.port) },
    { label: 'Outgoing secure connection', value: incoming ? 'No' : outgoingSecure(s.secure) },
    { label: 'From address', value: r.from ?? '' },
  ];
}

/** The Exchange resource: Server (base URL) and Domain. */
function webRows(r: Resource): FieldRow[] {
  return [
    { label: 'Server', value: r.server.host },
    ...(r.kind === 'ews' ? [{ label: 'Domain', value: r.server.domain ?? '' }] : []),
  ];
}

/** The platform's incoming "secure connection (SSL)" is Yes for implicit TLS. */
function incomingSecure(m: SecureMode): string {
  return m === 'tls' ? 'Yes' : m === 'starttls' ? 'No (STARTTLS)' : 'No';
}

/** The platform's outgoing list: SSL = implicit TLS, TLS = STARTTLS (as the guide uses on 587). */
function outgoingSecure(m: SecureMode): string {
  return m === 'tls' ? 'SSL' : m === 'starttls' ? 'TLS' : 'None';
}

/** The short line of `resource list`. */
export function resourceSummary(r: Resource, status: RefreshTokenStatus): {
  name: string; kind: string; server: string; user: string; status: RefreshTokenStatus; token: 'refresh token' | 'app-only token' | 'none';
} {
  const server = r.kind === 'ews' || r.kind === 'graph' ? r.server.host : `${r.server.host}:${r.server.port}`;
  const token = !r.oauth ? 'none' : r.oauth.flow === 'client_credentials' ? 'app-only token' : 'refresh token';
  return { name: r.name, kind: r.kind, server, user: r.user ?? '', status, token };
}
