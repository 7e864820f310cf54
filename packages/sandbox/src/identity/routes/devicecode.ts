import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveTenant, type EmulatorContext } from '../context.js';
import { OAuthError, applicationNotFound, missingParameter, resourceNotFound } from '../errors.js';
import { PlainHttpFailure, applyFault } from '../faults.js';
import { formFields, requestBaseUrl, sendError, sendHtml } from '../http.js';
import { deviceCodePage, signInPage } from '../pages.js';
import { findResource, parseScopes, type Permission } from '../resources.js';
import { opaque } from '../state.js';
import { expandDefault } from '../registration.js';

/**
 * RFC 8628 device authorization: POST /{tenant}/oauth2/v2.0/devicecode (and v1
 * /{tenant}/oauth2/devicecode), plus the emulator's own /devicelogin page where the person
 * types the user code and then signs in and consents on the usual pages.
 */
export function registerDeviceCodeRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/devicecode', (req, reply) => deviceAuthorization(ctx, req, reply, 'v2'));
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/devicecode', (req, reply) => deviceAuthorization(ctx, req, reply, 'v1'));
  app.get('/devicelogin', (_req, reply) => sendHtml(reply, deviceCodePage({})));
  app.post('/devicelogin', (req, reply) => enterUserCode(ctx, req, reply));
}

async function deviceAuthorization(
  ctx: EmulatorContext,
  req: FastifyRequest<{ Params: { tenant: string } }>,
  reply: FastifyReply,
  version: 'v1' | 'v2',
): Promise<FastifyReply> {
  const body = formFields(req.body);
  try {
    resolveTenant(ctx, req.params.tenant);
    if (!body.client_id) throw missingParameter('client_id');
    const fault = ctx.faults.take({ endpoint: 'devicecode', clientId: body.client_id });
    if (fault) await applyFault(fault, { clientId: body.client_id });
    const client = ctx.state.app(body.client_id);
    if (!client) throw applicationNotFound(body.client_id, req.params.tenant);
    let permissions: Permission[];
    let oidc: Set<string>;
    if (version === 'v2') {
      if (body.resource !== undefined) {
        throw new OAuthError({ error: 'invalid_request', aadsts: 901002, text: "The 'resource' request parameter is not supported." });
      }
      if (!body.scope) throw missingParameter('scope');
      ({ permissions, oidc } = parseScopes(body.scope, req.params.tenant));
    } else {
      if (!body.resource) throw missingParameter('resource');
      if (!findResource(body.resource)) throw resourceNotFound(body.resource, req.params.tenant);
      // v1 consent is static: the app's registered delegated permissions.
      const extra = body.scope ? parseScopes(body.scope, req.params.tenant) : { permissions: [], oidc: new Set<string>() };
      permissions = [...client.delegated, ...extra.permissions];
      oidc = extra.oidc;
    }
    const o = ctx.seed.options;
    const rec = ctx.state.newDeviceCode({
      clientId: client.clientId,
      permissions: expandDefault(permissions, client),
      oidc,
      endpointVersion: version,
      expiresMs: ctx.now() + o.deviceCodeExpiresInSeconds * 1000,
      ...(body.resource ? { resource: body.resource } : {}),
    });
    const verificationUri = `${requestBaseUrl(req)}/devicelogin`;
    const message = `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${rec.userCode} to authenticate.`;
    if (version === 'v1') {
      // v1 spells it verification_url and sends numbers as strings.
      return reply.send({
        user_code: rec.userCode, device_code: rec.deviceCode, verification_url: verificationUri,
        expires_in: String(o.deviceCodeExpiresInSeconds), interval: String(o.deviceCodeIntervalSeconds), message,
      });
    }
    return reply.send({
      user_code: rec.userCode, device_code: rec.deviceCode, verification_uri: verificationUri,
      expires_in: o.deviceCodeExpiresInSeconds, interval: o.deviceCodeIntervalSeconds, message,
    });
  } catch (e) {
    if (e instanceof OAuthError || e instanceof PlainHttpFailure) return sendError(reply, e, ctx.now());
    throw e;
  }
}

function enterUserCode(ctx: EmulatorContext, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const f = formFields(req.body);
  const rec = ctx.state.deviceCodeByUserCode(f.user_code ?? '');
  if (!rec || rec.status !== 'pending' || ctx.now() >= rec.expiresMs) {
    return sendHtml(reply, deviceCodePage({ error: "That code didn't work. Check the code and try again.", ...(f.user_code ? { value: f.user_code } : {}) }));
  }
  const id = opaque(24);
  ctx.state.pending.set(id, {
    id, kind: 'device', clientId: rec.clientId, permissions: rec.permissions, oidc: rec.oidc,
    forceConsent: false, endpointVersion: rec.endpointVersion, deviceCode: rec.deviceCode, createdMs: ctx.now(),
  });
  const appName = ctx.state.app(rec.clientId)?.displayName ?? rec.clientId;
  return sendHtml(reply, signInPage({ loginId: id, appName }));
}
