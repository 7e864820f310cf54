import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveTenant, type EmulatorContext } from '../context.js';
import { OAuthError } from '../errors.js';
import { requestBaseUrl, sendError } from '../http.js';
import { issuerFor } from '../tokens.js';

type TenantRequest = FastifyRequest<{ Params: { tenant: string } }>;

/**
 * OpenID Connect discovery (v2 and v1) and the JWKS. Issuers are Microsoft's strings (tokens
 * carry them); endpoints point at this emulator, on the origin the caller used.
 */
export function registerMetadataRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', (req, reply) => discovery(ctx, req, reply, 'v2'));
  app.get<{ Params: { tenant: string } }>('/:tenant/.well-known/openid-configuration', (req, reply) => discovery(ctx, req, reply, 'v1'));
  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/v2.0/keys', (req, reply) => keys(ctx, req, reply));
  app.get<{ Params: { tenant: string } }>('/:tenant/discovery/keys', (req, reply) => keys(ctx, req, reply));
}

function discovery(ctx: EmulatorContext, req: TenantRequest, reply: FastifyReply, version: 'v1' | 'v2'): FastifyReply {
  let multi: boolean;
  try {
    ({ multi } = resolveTenant(ctx, req.params.tenant));
  } catch (e) {
    if (e instanceof OAuthError) return sendError(reply, e, ctx.now());
    throw e;
  }
  const base = `${requestBaseUrl(req)}/${req.params.tenant}`;
  // For /common Microsoft publishes a template issuer; clients substitute the token's tid.
  const tid = multi ? '{tenantid}' : ctx.seed.tenant.id;
  const v = version === 'v2' ? 'v2.0/' : '';
  return reply.send({
    token_endpoint: `${base}/oauth2/${v}token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/${v}keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuerFor(version === 'v2' ? '2.0' : '1.0', tid),
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/${v}authorize`,
    device_authorization_endpoint: `${base}/oauth2/${v}devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/${v}logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'email', 'oid', 'upn'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    // Microsoft names its cloud's Graph host here; clients find the sandbox's Graph the same way.
    msgraph_host: ctx.seed.options.msgraphHost,
    code_challenge_methods_supported: ['plain', 'S256'],
    introspection_endpoint: `${requestBaseUrl(req)}/introspect`,
  });
}

function keys(ctx: EmulatorContext, req: TenantRequest, reply: FastifyReply): FastifyReply {
  try {
    resolveTenant(ctx, req.params.tenant);
  } catch (e) {
    if (e instanceof OAuthError) return sendError(reply, e, ctx.now());
    throw e;
  }
  const issuer = issuerFor('2.0', ctx.seed.tenant.id);
  return reply.send({ keys: [{ ...ctx.key.publicJwk, issuer }] });
}
