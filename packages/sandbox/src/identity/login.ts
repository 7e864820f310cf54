import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EmulatorContext } from './context.js';
import { OAuthError } from './errors.js';
import { formFields, requestIds, sendHtml } from './http.js';
import { consentPage, donePage, errorPage, formPostPage, signInPage } from './pages.js';
import { delegatedDef, formatScope, type Permission } from './resources.js';
import { opaque, type PendingLogin } from './state.js';

/**
 * The interactive part shared by the authorize and device-code flows: sign-in page, consent
 * page, then the outcome (a code sent to the redirect URI, or the device code approved).
 * The pending login's id travels in a hidden `login` field: no cookies to manage for scripts.
 */
export function registerLoginRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  /** A sign-in left open longer than Microsoft's flow token lives (about an hour) must restart. */
  const live = (id: string | undefined): PendingLogin | undefined => {
    const pending = ctx.state.pending.get(id ?? '');
    if (pending && ctx.now() - pending.createdMs > 3600_000) ctx.state.pending.delete(pending.id);
    else return pending;
    return undefined;
  };

  app.post('/_ui/signin', async (req, reply) => {
    const f = formFields(req.body);
    const pending = live(f.login);
    if (!pending) return sendHtml(reply, errorPage(sessionExpired()), 400);
    const appName = ctx.state.app(pending.clientId)?.displayName ?? pending.clientId;
    const again = (error: string) =>
      sendHtml(reply, signInPage({ loginId: pending.id, appName, error, ...(f.username ? { loginHint: f.username } : {}) }));
    const user = ctx.state.user(f.username);
    if (!user) {
      return again(`AADSTS50034: The user account ${f.username ?? ''} does not exist in the ${ctx.seed.tenant.domain} directory. To sign into this application, the account must be added to the directory.`);
    }
    if (user.password !== f.password) return again('AADSTS50126: Error validating credentials due to invalid username or password.');
    if (user.disabled) return again('AADSTS50057: The user account is disabled.');
    pending.username = user.username;
    const missing = pending.forceConsent
      ? pending.permissions
      : pending.permissions.filter((p) => p.name !== '.default' && !ctx.state.hasConsent(user.username, ctx.state.app(pending.clientId)!, p));
    if (missing.length === 0) return complete(ctx, pending, reply);
    const adminOnly = missing.filter((p) => delegatedDef(p)?.adminConsent);
    if (adminOnly.length > 0) {
      // Dynamic consent per permission: a person may grant what users may grant; the rest needs an admin.
      // https://learn.microsoft.com/entra/identity-platform/permissions-consent-overview (admin-restricted permissions)
      ctx.state.pending.delete(pending.id);
      return sendHtml(reply, errorPage(
        `AADSTS90094: Need admin approval. ${appName} needs permission to access resources in your organization ` +
        `that only an admin can grant (${adminOnly.map(formatScope).join(', ')}). Please ask an admin to grant permission to this app before you can use it.`,
      ), 403);
    }
    return sendHtml(reply, consentPage({ loginId: pending.id, appName, username: user.username, permissions: describe(missing) }));
  });

  app.post('/_ui/consent', async (req, reply) => {
    const f = formFields(req.body);
    const pending = live(f.login);
    if (!pending?.username) return sendHtml(reply, errorPage(sessionExpired()), 400);
    if (f.action === 'accept') {
      ctx.state.grantConsent(pending.username, pending.clientId, pending.permissions);
      return complete(ctx, pending, reply);
    }
    return decline(ctx, pending, reply);
  });
}

function sessionExpired(): string {
  return 'AADSTS50089: Authentication failed due to flow token expired. Start the sign-in again.';
}

/** Consent-page lines: "Office 365 Exchange Online: IMAP.AccessAsUser.All (https://outlook.office365.com/...)". */
function describe(perms: Permission[]): string[] {
  const seen = new Set<string>();
  return perms
    .map((p) => `${p.resource.displayName}: ${p.name} (${formatScope(p)})`)
    .filter((line) => !seen.has(line) && seen.add(line));
}

/** Sign-in and consent done: give the code to the redirect URI, or approve the device. */
async function complete(ctx: EmulatorContext, pending: PendingLogin, reply: FastifyReply): Promise<FastifyReply> {
  ctx.state.pending.delete(pending.id);
  if (pending.kind === 'device') {
    const device = ctx.state.deviceCodes.get(pending.deviceCode ?? '');
    if (device && device.status === 'pending') {
      device.status = 'approved';
      device.username = pending.username!;
    }
    const appName = ctx.state.app(pending.clientId)?.displayName ?? pending.clientId;
    return sendHtml(reply, donePage(`You have signed in to the ${appName} application on your device.`));
  }
  const code = opaque(64);
  ctx.state.codes.set(code, {
    code,
    clientId: pending.clientId,
    username: pending.username!,
    redirectUri: pending.redirectUri!,
    permissions: pending.permissions,
    oidc: pending.oidc,
    expiresMs: ctx.now() + ctx.seed.options.authCodeLifetimeSeconds * 1000,
    redeemed: false,
    ...(pending.nonce ? { nonce: pending.nonce } : {}),
    ...(pending.codeChallenge ? { codeChallenge: pending.codeChallenge, codeChallengeMethod: pending.codeChallengeMethod ?? 'plain' } : {}),
    ...(pending.resource ? { resource: pending.resource } : {}),
  });
  return redirectToClient(reply, pending, { code, ...(pending.state !== undefined ? { state: pending.state } : {}) });
}

/** The user pressed Cancel on the consent page (AADSTS65004). */
function decline(ctx: EmulatorContext, pending: PendingLogin, reply: FastifyReply): Promise<FastifyReply> | FastifyReply {
  ctx.state.pending.delete(pending.id);
  if (pending.kind === 'device') {
    const device = ctx.state.deviceCodes.get(pending.deviceCode ?? '');
    if (device && device.status === 'pending') device.status = 'declined';
    return sendHtml(reply, donePage('You declined to sign in to the application on your device.'));
  }
  const e = new OAuthError({ error: 'access_denied', aadsts: 65004, text: 'User declined to consent to access the app.' });
  return redirectToClient(reply, pending, {
    error: e.error,
    error_subcode: 'cancel',
    error_description: e.body(ctx.now(), requestIds(reply.request)).error_description,
    ...(pending.state !== undefined ? { state: pending.state } : {}),
  });
}

/** Send fields to the client's redirect URI in the response mode it asked for. */
export function redirectToClient(
  reply: FastifyReply,
  target: { redirectUri?: string; responseMode?: 'query' | 'form_post' | 'fragment' },
  fields: Record<string, string>,
): FastifyReply {
  const uri = target.redirectUri!;
  if (target.responseMode === 'form_post') return sendHtml(reply, formPostPage(uri, fields));
  const url = new URL(uri);
  const params = new URLSearchParams(fields);
  if (target.responseMode === 'fragment') url.hash = params.toString();
  else for (const [k, v] of params) url.searchParams.append(k, v);
  return reply.code(302).header('location', url.toString()).header('cache-control', 'no-store').send();
}
