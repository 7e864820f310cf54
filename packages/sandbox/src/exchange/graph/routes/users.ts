import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DirectoryUser, TokenPrincipal } from '../../contract.js';
import { authenticate } from '../auth.js';
import { GraphError } from '../errors.js';
import { applySelect, parseSelect } from '../odata/query.js';
import type { GraphState } from '../state.js';

/**
 * GET /me and GET /users/{id | userPrincipalName}: the user resource's default properties.
 * /me needs User.Read (or a broader User.* scope); another user needs User.ReadBasic.All or
 * User.Read.All (delegated) or User.Read.All (application).
 * https://learn.microsoft.com/graph/api/user-get
 */
const SELF_SCOPES = [
  'User.Read',
  'User.ReadWrite',
  'User.ReadBasic.All',
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
];
const OTHERS_SCOPES = ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'];
const APP_ROLES = ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All'];

const USER_PROPERTIES = new Set([
  'id',
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
]);

function userJson(u: DirectoryUser): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    jobTitle: null,
    mail: u.userPrincipalName,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname ?? null,
    userPrincipalName: u.userPrincipalName,
    id: u.objectId,
  };
}

function find(state: GraphState, ref: string): DirectoryUser | undefined {
  const lower = ref.toLowerCase();
  return (
    state.ctx.directory.get(lower) ?? [...state.ctx.directory.values()].find((u) => u.objectId.toLowerCase() === lower)
  );
}

function answer(req: FastifyRequest, u: DirectoryUser): Record<string, unknown> {
  const select = parseSelect((req.query as Record<string, string | undefined>)['$select'], {
    typeName: 'microsoft.graph.user',
    properties: USER_PROPERTIES,
  });
  const base = `${req.protocol}://${req.host}/v1.0`;
  return {
    '@odata.context': `${base}/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`,
    ...applySelect(userJson(u), select),
  };
}

export function registerUserRoutes(app: FastifyInstance, state: GraphState): void {
  app.get('/v1.0/me', async (req) => {
    const principal = await authenticate(state, req, { anyScope: SELF_SCOPES, anyRole: APP_ROLES });
    if (principal.appOnly || !principal.upn) {
      throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    }
    const u = find(state, principal.upn);
    if (!u) throw notFound(principal.upn);
    return answer(req, u);
  });

  app.get<{ Params: { user: string } }>('/v1.0/users/:user', async (req) => {
    const principal = await authenticate(state, req, { anyScope: SELF_SCOPES, anyRole: APP_ROLES });
    const u = find(state, req.params.user);
    if (!u) throw notFound(req.params.user);
    if (!isSelf(principal, u) && !principal.appOnly && !principal.scopes.some((s) => OTHERS_SCOPES.includes(s))) {
      throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    return answer(req, u);
  });
}

function isSelf(p: TokenPrincipal, u: DirectoryUser): boolean {
  return (
    p.upn?.toLowerCase() === u.userPrincipalName.toLowerCase() || p.oid?.toLowerCase() === u.objectId.toLowerCase()
  );
}

/** The directory's (not Exchange's) not-found error. */
function notFound(ref: string): GraphError {
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`,
  );
}
