import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, requestClientId } from '../client-auth.js';
import { resolveTenant, type EmulatorContext } from '../context.js';
import { OAuthError, missingParameter } from '../errors.js';
import { PlainHttpFailure, applyFault } from '../faults.js';
import { redeemAuthorizationCode } from '../grants/authorization-code.js';
import { redeemClientCredentials } from '../grants/client-credentials.js';
import { DEVICE_CODE_GRANT, isDeviceCodeGrant, redeemDeviceCode } from '../grants/device-code.js';
import { redeemRefreshToken } from '../grants/refresh-token.js';
import { formFields, requestBaseUrl, sendError } from '../http.js';
import { findResource } from '../resources.js';

type TokenRequest = FastifyRequest<{ Params: { tenant: string } }>;

/** POST /{tenant}/oauth2/v2.0/token and the v1 /{tenant}/oauth2/token (RFC 6749 §3.2). */
export function registerTokenRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', (req, reply) => token(ctx, req, reply, 'v2'));
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/token', (req, reply) => token(ctx, req, reply, 'v1'));
}

/** Whose grant this is, looked up without consuming it, so per-user faults can fire first. */
function grantOwner(ctx: EmulatorContext, body: Record<string, string>): string | undefined {
  switch (isDeviceCodeGrant(body.grant_type) ? DEVICE_CODE_GRANT : body.grant_type) {
    case 'authorization_code':
      return ctx.state.codes.get(body.code ?? '')?.username;
    case 'refresh_token':
      return ctx.state.refreshTokens.get(body.refresh_token ?? '')?.username;
    case DEVICE_CODE_GRANT:
      return ctx.state.deviceCodes.get(body.device_code ?? '')?.username;
    default:
      return undefined;
  }
}

async function token(ctx: EmulatorContext, req: TokenRequest, reply: FastifyReply, version: 'v1' | 'v2'): Promise<FastifyReply> {
  const body = formFields(req.body);
  // Every request counts, failed ones too: tests prove single-flight refresh by these numbers.
  ctx.state.countTokenRequest(body.grant_type ?? '(none)');
  try {
    const tenant = resolveTenant(ctx, req.params.tenant);
    if (!body.grant_type) throw missingParameter('grant_type');
    const clientId = requestClientId(body, req.headers.authorization);
    const username = grantOwner(ctx, body);
    const fault = ctx.faults.take({
      endpoint: 'token', grantType: body.grant_type,
      ...(clientId ? { clientId } : {}), ...(username ? { username } : {}),
    });
    if (fault) {
      const resource = body.resource ?? body.scope?.split(/\s+/).map((s) => findResource(s.slice(0, s.lastIndexOf('/')))?.uri).find(Boolean);
      await applyFault(fault, { ...(clientId ? { clientId } : {}), ...(resource ? { resource } : {}) });
    }
    if (version === 'v2' && body.resource !== undefined) {
      throw new OAuthError({ error: 'invalid_request', aadsts: 901002, text: "The 'resource' request parameter is not supported." });
    }
    const path = req.url.split('?')[0]!;
    const client = await authenticateClient(ctx, {
      body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      // The assertion's `aud` may name this emulator's URL or Microsoft's.
      tokenUrls: [`${requestBaseUrl(req)}${path}`, `https://login.microsoftonline.com${path}`],
      tenantName: req.params.tenant,
    });
    const result = await dispatch(ctx, client, body, version, { name: req.params.tenant, multi: tenant.multi });
    return reply.code(200).header('cache-control', 'no-store').header('pragma', 'no-cache').send(result);
  } catch (e) {
    if (e instanceof OAuthError || e instanceof PlainHttpFailure) return sendError(reply, e, ctx.now());
    throw e;
  }
}

function dispatch(
  ctx: EmulatorContext,
  client: Awaited<ReturnType<typeof authenticateClient>>,
  body: Record<string, string>,
  version: 'v1' | 'v2',
  tenant: { name: string; multi: boolean },
): Promise<Record<string, unknown>> {
  switch (isDeviceCodeGrant(body.grant_type) ? DEVICE_CODE_GRANT : body.grant_type) {
    case 'authorization_code':
      return redeemAuthorizationCode(ctx, client, body, version, tenant.name);
    case 'refresh_token':
      return redeemRefreshToken(ctx, client, body, version, tenant.name);
    case 'client_credentials':
      return redeemClientCredentials(ctx, client, body, version, tenant);
    case DEVICE_CODE_GRANT:
      return redeemDeviceCode(ctx, client, body, version);
    default:
      throw new OAuthError({
        error: 'unsupported_grant_type',
        aadsts: 70003,
        text: `The app requested an unsupported grant type '${body.grant_type ?? ''}'.`,
      });
  }
}
