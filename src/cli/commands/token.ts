import type { Command } from 'commander';
import type { TokenCheck, TokenManager, TokenStatusReport } from '../../auth/token-manager.js';
import type { OAuthFlow } from '../../config/resource.js';
import type { CliContext } from '../context.js';

/** `mailbridge token status|refresh|revoke|print RESOURCE`. */
export function registerTokenCommand(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('see and manage the tokens of a resource');
  const manager = (): Promise<TokenManager> => ctx.tokens();
  const wantsJson = (o: { json?: boolean }): boolean => Boolean(o.json) || ctx.json();

  token.command('status')
    .description('refresh token status, why, access token expiry and early warnings')
    .argument('<resource>', 'resource name')
    .option('--check', 'ask the token endpoint now (a refresh) instead of trusting the stored status; exit 1 unless it works')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean; check?: boolean }) => {
      const m = await manager();
      const check = o.check ? await m.check(name) : undefined;
      const report = await m.status(name);
      if (wantsJson(o)) ctx.printJson({ ...statusJson(report), ...(check ? { check: { ...check, at: new Date(check.at).toISOString() } } : {}) });
      else ctx.print(formatStatus(report, Date.now(), check));
      if (check && !check.ok) process.exitCode = 1;
    });

  token.command('refresh')
    .description('get a new access token now (also retries a resource whose status blocked it, after you fixed the cause)')
    .argument('<resource>', 'resource name')
    .option('--audience <url>', 'token for this resource (e.g. https://graph.microsoft.com) instead of the protocol\'s')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { audience?: string; json?: boolean }) => {
      const m = await manager();
      const t = await m.getAccessToken(name, { forceRefresh: true, retryBlocked: true, ...(o.audience ? { audience: o.audience } : {}) });
      const { status, flow } = await m.status(name);
      if (wantsJson(o)) ctx.printJson({ resource: name, status, audience: t.audience, expiresAt: new Date(t.expiresAt).toISOString(), scope: t.scope });
      else ctx.print(`${name}: ${tokenLabel(flow)} ${status}; access token for ${t.audience} valid until ${new Date(t.expiresAt).toISOString()}`);
    });

  token.command('revoke')
    .description('forget the resource\'s tokens locally (status becomes Missing)')
    .argument('<resource>', 'resource name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      await (await manager()).revoke(name);
      const note = 'Microsoft has no endpoint to revoke one refresh token: the grant stays valid there until it expires, ' +
        'unless the user\'s sessions are revoked (My Account > Sign out everywhere, or an admin with Revoke-MgUserSignInSession) or the app\'s consent is removed';
      if (wantsJson(o)) ctx.printJson({ resource: name, status: 'Missing', note });
      else ctx.print(`${name}: tokens forgotten locally; refresh token status Missing.\nnote: ${note}.`);
    });

  token.command('print')
    .description('show the access token (masked unless --reveal) and what it is for')
    .argument('<resource>', 'resource name')
    .option('--audience <url>', 'token for this resource instead of the protocol\'s')
    .option('--reveal', 'print the whole access token (it grants access to the mailbox: handle with care)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { audience?: string; reveal?: boolean; json?: boolean }) => {
      const t = await (await manager()).getAccessToken(name, o.audience ? { audience: o.audience } : {});
      if (o.reveal && !wantsJson(o)) {
        // Alone on stdout so it can be piped.
        ctx.print(t.token.reveal());
        return;
      }
      const { decodeAccessTokenClaims } = await import('../../auth/claims.js');
      const claims = decodeAccessTokenClaims(t.token);
      const out = {
        resource: name, audience: t.audience, expiresAt: new Date(t.expiresAt).toISOString(),
        token: o.reveal ? t.token.reveal() : t.token.masked(),
        claims: claims.jwt ? { aud: claims.aud, scp: claims.scp, roles: claims.roles, user: claims.user, tid: claims.tid, appid: claims.appid } : 'opaque token',
      };
      if (wantsJson(o)) { ctx.printJson(out); return; }
      ctx.print([
        `token     ${out.token} (use --reveal to print it)`,
        `audience  ${t.audience}`,
        `expires   ${out.expiresAt}`,
        ...(claims.jwt ? [
          `user      ${claims.user ?? '(app-only)'}`,
          claims.scp.length > 0 ? `scp       ${claims.scp.join(' ')}` : `roles     ${claims.roles.join(' ')}`,
        ] : []),
      ].join('\n'));
    });
}

function statusJson(r: TokenStatusReport): Record<string, unknown> {
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    ...r,
    accessTokens: r.accessTokens.map((a) => ({ ...a, expiresAt: iso(a.expiresAt) })),
    refreshTokenIssuedAt: iso(r.refreshTokenIssuedAt),
    refreshTokenLastUsedAt: iso(r.refreshTokenLastUsedAt),
  };
}

/** Client credentials have no refresh token: their status is the app-only token's. */
export function tokenLabel(flow: OAuthFlow): string {
  return flow === 'client_credentials' ? 'app-only token' : 'refresh token status';
}

function formatStatus(r: TokenStatusReport, now: number, check?: TokenCheck): string {
  const lines = [
    `resource       ${r.resource}`,
    `flow           ${r.flow}`,
    `status         ${r.status}${r.flow === 'client_credentials' ? ' (app-only token: client credentials, no refresh token)' : ''}`,
  ];
  if (check) {
    const at = new Date(check.at).toISOString();
    lines.push(check.ok
      ? `checked        ${at}: the token endpoint issued a new access token`
      : `checked        ${at}: ${check.error?.message ?? 'failed'} (${check.error?.code ?? '?'})` +
        `${check.transient ? '; transient, status and tokens kept' : ''}. Fix: ${check.error?.hint ?? ''}`);
  }
  if (r.reason) lines.push(`reason         ${r.reason}`);
  if (r.code) lines.push(`code           ${r.code}`);
  lines.push(`audience       ${r.audience}`);
  if (r.accessTokens.length === 0) lines.push('access token   none cached');
  for (const a of r.accessTokens) {
    const mins = Math.round((a.expiresAt - now) / 60_000);
    lines.push(`access token   ${a.audience}: ${a.expiresAt > now ? `valid until ${new Date(a.expiresAt).toISOString()} (${mins} min)` : 'expired'}`);
  }
  if (r.refreshTokenIssuedAt !== undefined) lines.push(`refresh token  issued ${new Date(r.refreshTokenIssuedAt).toISOString()}` +
    (r.refreshTokenLastUsedAt !== undefined ? `, last used ${new Date(r.refreshTokenLastUsedAt).toISOString()}` : ''));
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
