import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SandboxSeedError } from '../errors.js';
import { parsePermissionList } from './resources.js';

/** The fixed values of the default sandbox tenant: tests and docs refer to these. */
export const SANDBOX = {
  tenantId: '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01',
  tenantDomain: 'contoso.onmicrosoft.com',
  password: 'Passw0rd!',
  alice: 'alice@contoso.onmicrosoft.com',
  bob: 'bob@contoso.onmicrosoft.com',
  confidentialClientId: 'a1b2c3d4-0000-4000-8000-00000000c0de',
  /** A public, fake value: the sandbox prints it freely. */
  clientSecret: 'sandbox-secret-value-1234567890',
  publicClientId: 'a1b2c3d4-0000-4000-8000-0000000000fc',
} as const;

const userSchema = z.object({
  username: z.string().min(3).includes('@'),
  password: z.string().min(1),
  displayName: z.string().min(1).optional(),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  /** Directory object id (`oid`); derived from the username when absent. */
  objectId: z.uuid().optional(),
  disabled: z.boolean().default(false),
});

const secretSchema = z.object({
  value: z.string().min(1),
  /** ISO date; a secret past it answers AADSTS7000222. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

const appSchema = z.object({
  clientId: z.uuid(),
  displayName: z.string().min(1),
  /** `public`: native/device apps that must not send credentials (AADSTS700025). */
  type: z.enum(['confidential', 'public']),
  secrets: z.array(secretSchema).default([]),
  /** X.509 certificates (PEM) whose keys may sign `private_key_jwt` client assertions. */
  certificates: z.array(z.object({ pem: z.string().includes('BEGIN CERTIFICATE') })).default([]),
  redirectUris: z.array(z.url()).default([]),
  /** Scope strings, e.g. `https://outlook.office365.com/IMAP.AccessAsUser.All` or `Mail.Read` (Graph). */
  delegatedPermissions: z.array(z.string()).default([]),
  /** e.g. `https://outlook.office365.com/IMAP.AccessAsApp`. */
  applicationPermissions: z.array(z.string()).default([]),
  /** An admin granted the application permissions (they appear as `roles`). */
  adminConsentApplication: z.boolean().default(false),
  /** An admin granted the delegated permissions for every user (no consent page). */
  adminConsentDelegated: z.boolean().default(false),
});

const consentSchema = z.object({
  username: z.string(),
  clientId: z.uuid(),
  scopes: z.array(z.string()).min(1),
});

const optionsSchema = z.object({
  /** Device-code polling interval told to clients; 1 keeps tests fast. */
  deviceCodeIntervalSeconds: z.number().int().min(0).default(5),
  deviceCodeExpiresInSeconds: z.number().int().positive().default(900),
  authCodeLifetimeSeconds: z.number().int().positive().default(600),
  /** Refresh tokens die after this long unused (Microsoft: 90 days). */
  refreshTokenInactivitySeconds: z.number().int().positive().default(90 * 24 * 3600),
  /** Access tokens live a random time in [min, max] seconds (Microsoft: 60–90 minutes). */
  accessTokenMinSeconds: z.number().int().positive().default(3600),
  accessTokenMaxSeconds: z.number().int().positive().default(5400),
  /** The Graph host the OpenID metadata names (`msgraph_host`); the Exchange sandbox sets its own. */
  msgraphHost: z.string().min(1).default('graph.microsoft.com'),
});

export const identitySeedSchema = z.object({
  tenant: z.object({ id: z.uuid(), domain: z.string().min(3), displayName: z.string().default('Contoso (sandbox)') }),
  users: z.array(userSchema).default([]),
  apps: z.array(appSchema).default([]),
  consents: z.array(consentSchema).default([]),
  options: optionsSchema.default(optionsSchema.parse({})),
});

export type IdentitySeed = z.infer<typeof identitySeedSchema>;
export type IdentitySeedInput = z.input<typeof identitySeedSchema>;
export type SeedUser = z.infer<typeof userSchema>;
export type SeedUserInput = z.input<typeof userSchema>;
export type SeedApp = z.infer<typeof appSchema>;
export type SeedAppInput = z.input<typeof appSchema>;
export type SeedConsent = z.infer<typeof consentSchema>;
export const seedUserSchema = userSchema;
export const seedAppSchema = appSchema;
export const seedConsentSchema = consentSchema;

/** The guide's tenant: two users, the confidential web app and a public (device-code) app. */
export function defaultSeed(): IdentitySeed {
  const delegated = [
    'https://outlook.office365.com/IMAP.AccessAsUser.All',
    'https://outlook.office365.com/POP.AccessAsUser.All',
    'https://outlook.office365.com/SMTP.Send',
    'https://outlook.office365.com/EWS.AccessAsUser.All',
    'Mail.Read', 'Mail.ReadBasic', 'Mail.ReadWrite', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared',
    'Mail.Send', 'Mail.Send.Shared', 'User.Read', 'openid', 'profile', 'email', 'offline_access',
  ];
  return identitySeedSchema.parse({
    tenant: { id: SANDBOX.tenantId, domain: SANDBOX.tenantDomain },
    users: [
      { username: SANDBOX.alice, password: SANDBOX.password, displayName: 'Alice Example', givenName: 'Alice', surname: 'Example',
        objectId: '5f1c8d2e-1111-4a6b-9c3d-00000000a11c' },
      { username: SANDBOX.bob, password: SANDBOX.password, displayName: 'Bob Example', givenName: 'Bob', surname: 'Example',
        objectId: '5f1c8d2e-2222-4a6b-9c3d-000000000b0b' },
    ],
    apps: [
      {
        clientId: SANDBOX.confidentialClientId,
        displayName: 'mailbridge sandbox (web)',
        type: 'confidential',
        secrets: [{ value: SANDBOX.clientSecret }],
        redirectUris: ['https://localhost', 'http://localhost', 'http://127.0.0.1'],
        delegatedPermissions: delegated,
        applicationPermissions: [
          'https://outlook.office365.com/full_access_as_app',
          'https://outlook.office365.com/IMAP.AccessAsApp',
          'https://outlook.office365.com/POP.AccessAsApp',
          'https://outlook.office365.com/SMTP.SendAsApp',
          'https://graph.microsoft.com/Mail.ReadWrite',
          'https://graph.microsoft.com/Mail.Send',
        ],
        adminConsentApplication: true,
      },
      {
        clientId: SANDBOX.publicClientId,
        displayName: 'mailbridge sandbox (public client)',
        type: 'public',
        redirectUris: ['http://localhost', 'https://login.microsoftonline.com/common/oauth2/nativeclient'],
        delegatedPermissions: delegated,
      },
    ],
  });
}

/** Validate a seed object; a bad one is a SandboxSeedError naming the first wrong field. */
export function parseSeed(input: unknown, source = 'seed'): IdentitySeed {
  const result = identitySeedSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw seedError(source, issue ? issue.path.join('.') : '', issue?.message ?? 'invalid seed');
  }
  const seed = result.data;
  // Permission strings must name a known resource and permission, as the portal only offers those.
  const lists: [string, string[], 'delegated' | 'application'][] = [
    ...seed.apps.flatMap((a, i): [string, string[], 'delegated' | 'application'][] => [
      [`apps.${i}.delegatedPermissions`, a.delegatedPermissions, 'delegated'],
      [`apps.${i}.applicationPermissions`, a.applicationPermissions, 'application'],
    ]),
    ...seed.consents.map((c, i): [string, string[], 'delegated' | 'application'] => [`consents.${i}.scopes`, c.scopes, 'delegated']),
  ];
  for (const [field, list, kind] of lists) {
    try {
      parsePermissionList(list, kind);
    } catch (e) {
      throw seedError(source, field, e instanceof Error ? e.message : String(e));
    }
  }
  return seed;
}

function seedError(source: string, field: string, message: string): SandboxSeedError {
  return new SandboxSeedError({
    code: 'SANDBOX_SEED_INVALID',
    message: `${source}: ${field ? `${field}: ` : ''}${message}`,
    hint: 'fix the seed file (YAML or JSON: tenant, users, apps, consents, options)',
    ...(field ? { field } : {}),
  });
}

/** Load a seed from a YAML or JSON file (YAML is a superset of JSON, so one parser reads both). */
export async function loadSeedFile(path: string): Promise<IdentitySeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SandboxSeedError({ code: 'SANDBOX_SEED_UNREADABLE', message: `cannot read seed file ${path}`, hint: 'check the --seed path', cause });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    throw new SandboxSeedError({ code: 'SANDBOX_SEED_INVALID', message: `${path} is neither YAML nor JSON`, hint: 'fix the syntax of the seed file', cause });
  }
  return parseSeed(data, path);
}
