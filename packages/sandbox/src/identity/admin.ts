import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import type { Fault, FaultSpecInput } from './faults.js';
import { RESOURCES, findResource, formatScope, parsePermissionList } from './resources.js';
import { seedAppSchema, seedUserSchema, type SeedApp, type SeedAppInput, type SeedUserInput } from './seed.js';
import { mintAccessToken } from './tokens.js';

/** A bad admin call (unknown user, unknown audience…): the HTTP API answers 400 with it. */
export class AdminInputError extends Error {}

export const consentInputSchema = z.object({
  username: z.string(),
  clientId: z.string(),
  /** Scope strings as at /authorize; absent on revoke means all. */
  scopes: z.array(z.string()).optional(),
});
export type ConsentInput = z.input<typeof consentInputSchema>;

export const mintTokenInputSchema = z.object({
  /** The user of a delegated token; leave out (and give `roles`) for an app-only token. */
  username: z.string().optional(),
  /** Default: the first app of the seed. */
  clientId: z.string().optional(),
  /** Resource URI or alias, e.g. `https://outlook.office365.com`. */
  audience: z.string(),
  /** `scp` (space-separated permission names); default: the app's registered delegated permissions for the audience. */
  scope: z.string().optional(),
  roles: z.array(z.string()).optional(),
  /** Lifetime; negative gives an already expired token. Default 3600. */
  expiresInSeconds: z.number().int().default(3600),
});
export type MintTokenInput = z.input<typeof mintTokenInputSchema>;

export interface PublicUser {
  username: string;
  displayName: string;
  objectId: string;
  disabled: boolean;
}

export interface ConsentRecord {
  username: string;
  clientId: string;
  scopes: string[];
}

export interface IdentityStats {
  tokenRequests: number;
  tokenRequestsByGrant: Record<string, number>;
}

/** The emulator's control surface, the same in-process and over HTTP under /_admin. */
export interface IdentityAdmin {
  listUsers(): PublicUser[];
  upsertUser(user: SeedUserInput): PublicUser;
  removeUser(username: string): boolean;
  listApps(): SeedApp[];
  getApp(clientId: string): SeedApp | undefined;
  upsertApp(app: SeedAppInput): SeedApp;
  removeApp(clientId: string): boolean;
  listConsents(filter?: { username?: string; clientId?: string }): ConsentRecord[];
  grantConsent(c: ConsentInput): void;
  revokeConsent(c: ConsentInput): void;
  addFault(spec: FaultSpecInput): Fault;
  listFaults(): Fault[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  /** Mint an access token directly (tests of resource servers), signed like any other. */
  mintAccessToken(input: MintTokenInput): Promise<{ access_token: string; expires_on: number }>;
  /** Revoke the user's refresh tokens and sessions (their access tokens introspect inactive). */
  revokeUser(username: string): { revokedRefreshTokens: number };
  stats(): IdentityStats;
  resetStats(): void;
}

export function createAdmin(ctx: EmulatorContext): IdentityAdmin {
  const { state } = ctx;
  const toPublic = (u: { username: string; displayName: string; objectId: string; disabled: boolean }): PublicUser => ({
    username: u.username, displayName: u.displayName, objectId: u.objectId, disabled: u.disabled,
  });
  const toSeedApp = (a: SeedApp): SeedApp => seedAppSchema.parse({ ...a });
  const needUser = (username: string) => {
    const u = state.user(username);
    if (!u) throw new AdminInputError(`no user ${username}`);
    return u;
  };
  const needApp = (clientId: string) => {
    const a = state.app(clientId);
    if (!a) throw new AdminInputError(`no app ${clientId}`);
    return a;
  };
  const permissions = (scopes: string[]) => {
    try {
      return parsePermissionList(scopes, 'delegated');
    } catch (e) {
      throw new AdminInputError(e instanceof Error ? e.message : String(e));
    }
  };

  return {
    listUsers: () => [...state.users.values()].map(toPublic),
    upsertUser: (u) => toPublic(state.upsertUser(seedUserSchema.parse(u))),
    removeUser: (username) => state.users.delete(username.toLowerCase()),
    listApps: () => [...state.apps.values()].map(toSeedApp),
    getApp: (clientId) => {
      const a = state.app(clientId);
      return a ? toSeedApp(a) : undefined;
    },
    upsertApp: (a) => {
      try {
        return toSeedApp(state.upsertApp(seedAppSchema.parse(a)));
      } catch (e) {
        if (e instanceof z.ZodError) throw e;
        throw new AdminInputError(e instanceof Error ? e.message : String(e));
      }
    },
    removeApp: (clientId) => state.apps.delete(clientId.toLowerCase()),
    listConsents: (filter = {}) => {
      const out: ConsentRecord[] = [];
      for (const [key, set] of state.consents) {
        const [username = '', clientId = ''] = key.split('|');
        if (filter.username && filter.username.toLowerCase() !== username) continue;
        if (filter.clientId && filter.clientId.toLowerCase() !== clientId) continue;
        const scopes = [...set].map((k) => {
          const [res = '', name = ''] = k.split(':');
          const resource = RESOURCES.find((r) => r.key === res)!;
          return formatScope({ resource, name });
        });
        out.push({ username, clientId, scopes });
      }
      return out;
    },
    grantConsent: (c) => {
      const { username, clientId, scopes } = consentInputSchema.parse(c);
      needUser(username);
      needApp(clientId);
      state.grantConsent(username, clientId, permissions(scopes ?? []));
    },
    revokeConsent: (c) => {
      const { username, clientId, scopes } = consentInputSchema.parse(c);
      state.revokeConsent(username, clientId, scopes ? permissions(scopes) : undefined);
    },
    addFault: (spec) => ctx.faults.add(spec),
    listFaults: () => ctx.faults.list(),
    removeFault: (id) => ctx.faults.remove(id),
    clearFaults: () => ctx.faults.clear(),
    mintAccessToken: async (input) => {
      const r = mintTokenInputSchema.parse(input);
      const resource = findResource(r.audience);
      if (!resource) throw new AdminInputError(`unknown audience ${r.audience}`);
      const app = needApp(r.clientId ?? ctx.seed.apps[0]?.clientId ?? '');
      const user = r.username === undefined ? undefined : needUser(r.username);
      if (!user && !r.roles) throw new AdminInputError('give a username (delegated token) or roles (app-only token)');
      const scp = r.scope
        ? r.scope.split(/\s+/).filter(Boolean).map((s) => s.slice(s.lastIndexOf('/') + 1))
        : app.delegated.filter((p) => p.resource === resource).map((p) => p.name);
      const nowMs = ctx.now();
      const minted = await mintAccessToken(ctx.key, {
        tenantId: ctx.seed.tenant.id, clientId: app.clientId, appDisplayName: app.displayName,
        clientAuth: app.type === 'public' ? '0' : '1', resource, lifetimeSeconds: r.expiresInSeconds, nowMs,
        ...(user ? { user, scp } : { roles: r.roles ?? [] }),
      });
      state.accessTokens.set(minted.uti, { ...(user ? { username: user.username } : {}), issuedMs: nowMs, seq: state.nextSeq() });
      return { access_token: minted.token, expires_on: minted.exp };
    },
    revokeUser: (username) => {
      needUser(username);
      return { revokedRefreshTokens: state.revokeUser(username, ctx.now()) };
    },
    stats: () => ({ tokenRequests: state.tokenRequests, tokenRequestsByGrant: { ...state.tokenRequestsByGrant } }),
    resetStats: () => {
      state.tokenRequests = 0;
      state.tokenRequestsByGrant = {};
    },
  };
}
