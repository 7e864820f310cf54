import { decodeJwt } from 'jose';
import { z } from 'zod';
import { CLOUD_HOSTS } from '../config/clouds.js';
import type { ResourceKind } from '../config/resource.js';
import { AuthError } from '../errors.js';
import type { Secret } from '../secret.js';
import { canonicalResource, GRAPH_RESOURCE, OUTLOOK_RESOURCE } from './scopes.js';

/**
 * Looking inside an access token before a login, to turn the servers' uniform "AUTHENTICATE
 * failed" / "535 5.7.3" into a cause (peers.md pain points 4 and 5). We only read claims;
 * the signature is the resource server's business and is never checked, printed or logged.
 */
export interface TokenClaims {
  /** False for opaque tokens (Google, Microsoft consumer accounts): nothing can be checked. */
  jwt: boolean;
  aud?: string;
  /** Delegated permissions (`scp`, space separated at Microsoft). */
  scp: string[];
  /** Application permissions of an app-only token. */
  roles: string[];
  /** The signed-in user (upn, else preferred_username, else unique_name). */
  user?: string;
  tid?: string;
  appid?: string;
  iss?: string;
  ver?: string;
  /** Expiry, ms since epoch. */
  expiresAt?: number;
}

const claimsSchema = z.object({
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  scp: z.string().optional(),
  roles: z.array(z.string()).optional(),
  upn: z.string().optional(),
  preferred_username: z.string().optional(),
  unique_name: z.string().optional(),
  tid: z.string().optional(),
  appid: z.string().optional(),
  azp: z.string().optional(),
  iss: z.string().optional(),
  ver: z.string().optional(),
  exp: z.number().optional(),
});

/** Resource app ids Microsoft also uses as `aud` (v2-format tokens). */
const AUDIENCE_IDS: Record<string, string> = {
  '00000002-0000-0ff1-ce00-000000000000': OUTLOOK_RESOURCE,
  '00000003-0000-0000-c000-000000000000': GRAPH_RESOURCE,
};

/** The claims of a JWT access token, without checking its signature (for diagnostics: the resource server checks it). */
export function decodeAccessTokenClaims(token: Secret): TokenClaims {
  let raw: unknown;
  try {
    raw = decodeJwt(token.reveal());
  } catch {
    return { jwt: false, scp: [], roles: [] };
  }
  const parsed = claimsSchema.safeParse(raw);
  if (!parsed.success) return { jwt: false, scp: [], roles: [] };
  const c = parsed.data;
  const aud = Array.isArray(c.aud) ? c.aud[0] : c.aud;
  const user = c.upn ?? c.preferred_username ?? c.unique_name;
  const appid = c.appid ?? c.azp;
  return {
    jwt: true,
    ...(aud ? { aud: AUDIENCE_IDS[aud.toLowerCase()] ?? canonicalResource(aud) } : {}),
    scp: c.scp ? c.scp.split(' ').filter((s) => s.length > 0) : [],
    roles: c.roles ?? [],
    ...(user ? { user } : {}),
    ...(c.tid ? { tid: c.tid } : {}),
    ...(appid ? { appid } : {}),
    ...(c.iss ? { iss: c.iss } : {}),
    ...(c.ver ? { ver: c.ver } : {}),
    ...(c.exp !== undefined ? { expiresAt: c.exp * 1000 } : {}),
  };
}

/** Outlook and Graph audiences in every national cloud (a GCC High token is fine for GCC High IMAP). */
const OUTLOOK_AUDIENCES = new Set([OUTLOOK_RESOURCE, ...Object.values(CLOUD_HOSTS).map((h) => `https://${h.outlook}`)]);
const GRAPH_AUDIENCES = new Set([GRAPH_RESOURCE, ...Object.values(CLOUD_HOSTS).map((h) => `https://${h.graph}`)]);

/** Can a token for `audience` serve this protocol at all? */
export function audienceServesProtocol(audience: string, kind: ResourceKind): boolean {
  return (kind === 'graph' ? GRAPH_AUDIENCES : OUTLOOK_AUDIENCES).has(canonicalResource(audience));
}

interface ProtocolNeeds {
  label: string;
  /** The global cloud's audience, named in messages. */
  audience: string;
  /** Any one of these delegated permissions will do. */
  delegated: string[];
  /** Any one of these application permissions will do. */
  app: string[];
}

/** microsoft.md 3.2 and section 5. Mail.* on Graph: any mail permission serves some operation. */
const NEEDS: Record<ResourceKind, ProtocolNeeds> = {
  imap: { label: 'IMAP', audience: OUTLOOK_RESOURCE, delegated: ['IMAP.AccessAsUser.All'], app: ['IMAP.AccessAsApp', 'full_access_as_app'] },
  pop3: { label: 'POP3', audience: OUTLOOK_RESOURCE, delegated: ['POP.AccessAsUser.All'], app: ['POP.AccessAsApp', 'full_access_as_app'] },
  smtp: { label: 'SMTP', audience: OUTLOOK_RESOURCE, delegated: ['SMTP.Send'], app: ['SMTP.SendAsApp'] },
  ews: { label: 'EWS', audience: OUTLOOK_RESOURCE, delegated: ['EWS.AccessAsUser.All'], app: ['full_access_as_app'] },
  graph: { label: 'Graph', audience: GRAPH_RESOURCE,
    delegated: ['Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic', 'Mail.Send', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared', 'Mail.Send.Shared'],
    app: ['Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic', 'Mail.Send'] },
};

/** What `judgeTokenFitness` found: problems that stop the protocol, and warnings. */
export interface TokenFitness {
  /** Why the token cannot work for this protocol (empty when it can). */
  problems: string[];
  /** What may still work but deserves a look. */
  warnings: string[];
}

const lower = (xs: string[]): string[] => xs.map((x) => x.toLowerCase());

/** Judge a token's claims against what a protocol's server will demand. */
export function checkTokenFitsProtocol(claims: TokenClaims, kind: ResourceKind, user?: string): TokenFitness {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!claims.jwt) return { problems, warnings };
  const need = NEEDS[kind];
  if (claims.aud && !audienceServesProtocol(claims.aud, kind)) {
    problems.push(`the access token is for ${claims.aud}, ${need.label} needs ${need.audience}`);
  }
  const appOnly = claims.scp.length === 0 && claims.roles.length > 0;
  const have = lower(appOnly ? claims.roles : claims.scp);
  const wanted = appOnly ? need.app : need.delegated;
  if (!wanted.some((w) => have.includes(w.toLowerCase()))) {
    const got = appOnly ? `roles ${claims.roles.join(' ') || '(none)'}` : `scp ${claims.scp.join(' ') || '(none)'}`;
    problems.push(`the access token has ${got}; ${need.label} needs ${appOnly ? 'the application permission' : 'the delegated permission'} ` +
      `${wanted.join(' or ')}${appOnly ? ' with admin consent' : ''}`);
  }
  // Shared mailboxes are reached with the delegate's token and the shared address as the
  // login user (microsoft.md 3.3), so a different user is normal and only worth a warning;
  // the server decides whether the token's user has FullAccess / SendAs.
  if (!appOnly && user && claims.user && user.toLowerCase() !== claims.user.toLowerCase()) {
    warnings.push(`the login user ${user} is not the token's user ${claims.user}: fine for a shared mailbox ${claims.user} has rights to; ` +
      `otherwise sign in as ${user}`);
  }
  if (appOnly && !user) warnings.push('an app-only token needs the mailbox address as the login user');
  return { problems, warnings };
}

/**
 * Throw when the token cannot serve the protocol (wrong audience, missing permission).
 * A user name different from the token's user is not an error (shared mailboxes).
 */
export function assertTokenFitsProtocol(claims: TokenClaims, kind: ResourceKind, user?: string): void {
  const { problems } = checkTokenFitsProtocol(claims, kind, user);
  if (problems.length === 0) return;
  const need = NEEDS[kind];
  const wrongAudience = claims.aud !== undefined && !audienceServesProtocol(claims.aud, kind);
  throw new AuthError({
    code: wrongAudience ? 'TOKEN_WRONG_AUDIENCE' : 'TOKEN_MISSING_PERMISSION',
    message: problems.join('; '),
    hint: wrongAudience
      ? `put a ${need.audience} scope first in the resource scope, e.g. ${need.audience}/${need.delegated[0]} offline_access, then run \`mailbridge token refresh\``
      : `add the ${need.label} permission to the app registration (and consent), then run \`mailbridge auth\` again`,
    details: { aud: claims.aud, scp: claims.scp, roles: claims.roles },
  });
}
