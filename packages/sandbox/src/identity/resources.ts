import { invalidScope, resourceNotFound } from './errors.js';

/**
 * The resource applications (APIs) the emulated tenant knows, and how scope strings map to
 * them. Microsoft's rules: a scope is `{resource App ID URI}/{permission}`; a bare name means
 * Microsoft Graph; `openid profile email offline_access` are Graph permissions too but never
 * pick the token's audience; scopes are case-insensitive.
 */
export interface ResourceDef {
  key: 'outlook' | 'graph';
  displayName: string;
  /** The well-known application id of the resource's service principal. */
  appId: string;
  /** The App ID URI put in `aud`. */
  uri: string;
  /** Other identifiers accepted in scopes and `resource` (lower-case, no trailing slash). */
  aliases: string[];
  /** The resource's published delegated permissions (`oauth2PermissionScopes`). */
  delegated: PermissionDef[];
  /** Its app roles (application permissions: always admin-consented). */
  application: PermissionDef[];
}

/**
 * One permission a resource publishes: its value, its id in the resource's service principal
 * (undefined where no Microsoft source gave it), and whether only an admin may consent to it.
 */
export interface PermissionDef {
  name: string;
  id?: string;
  adminConsent: boolean;
}

const user = (name: string, id?: string): PermissionDef => ({ name, adminConsent: false, ...(id ? { id } : {}) });
const admin = (name: string, id?: string): PermissionDef => ({ name, adminConsent: true, ...(id ? { id } : {}) });

/**
 * Office 365 Exchange Online's permissions. Ids: EWS.AccessAsUser.All (3b5f3d61-…, Scope) and
 * full_access_as_app (dc890d15-…, Role), checked against the requiredResourceAccess snippet of
 * https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth
 * The others' ids are not given in Microsoft's docs, so none is claimed.
 * IMAP/POP/SMTP delegated scopes are user-consentable, the app roles admin-only:
 * https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
 */
export const OUTLOOK: ResourceDef = {
  key: 'outlook',
  displayName: 'Office 365 Exchange Online',
  appId: '00000002-0000-0ff1-ce00-000000000000',
  uri: 'https://outlook.office365.com',
  aliases: ['https://outlook.office.com', 'https://ps.outlook.com', '00000002-0000-0ff1-ce00-000000000000'],
  delegated: [
    user('IMAP.AccessAsUser.All'), user('POP.AccessAsUser.All'), user('SMTP.Send'),
    user('EWS.AccessAsUser.All', '3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5'),
    user('Mail.Read'), user('Mail.ReadWrite'), user('Mail.Send'),
    user('Calendars.Read'), user('Calendars.ReadWrite'), user('Contacts.Read'), user('Contacts.ReadWrite'),
    user('Tasks.Read'), user('Tasks.ReadWrite'), user('User.Read'),
  ],
  application: [
    admin('full_access_as_app', 'dc890d15-9560-4a4c-9b7f-a736ec74ec40'),
    admin('IMAP.AccessAsApp'), admin('POP.AccessAsApp'), admin('SMTP.SendAsApp'),
    admin('Mail.Read'), admin('Mail.ReadWrite'), admin('Mail.Send'),
    admin('Calendars.Read'), admin('Calendars.ReadWrite'), admin('Contacts.Read'), admin('Contacts.ReadWrite'),
  ],
};

/**
 * Microsoft Graph's mail-related permissions, with the ids and admin-consent flags of
 * https://learn.microsoft.com/graph/permissions-reference (transcribed, not fetched at build).
 * Every id below was cross-checked (no mismatch found) against listings generated from Microsoft
 * Graph's service principal, e.g. https://graphpermissions.merill.net/permission/Mail.Send ;
 * Microsoft's own page could not be consulted when checking, see the package README (packages/sandbox/README.md).
 * Graph tokens get `aud: https://graph.microsoft.com` (the URL, as Microsoft issues for v1-format
 * Graph tokens asked for by URI) rather than the app id GUID, so one audience string identifies
 * each resource throughout the sandbox.
 */
export const GRAPH: ResourceDef = {
  key: 'graph',
  displayName: 'Microsoft Graph',
  appId: '00000003-0000-0000-c000-000000000000',
  uri: 'https://graph.microsoft.com',
  aliases: ['00000003-0000-0000-c000-000000000000'],
  delegated: [
    user('openid', '37f7f235-527c-4136-accd-4a02d197296e'),
    user('profile', '14dad69e-099b-42c9-810b-d002981feec1'),
    user('email', '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0'),
    user('offline_access', '7427e0e9-2fba-42fe-b0c0-848c9e6a8182'),
    user('User.Read', 'e1fe6dd8-ba31-4d61-89e7-88639da4683d'),
    user('User.ReadBasic.All', 'b340eb25-3456-403f-be2f-af7a0d370277'),
    admin('User.Read.All', 'a154be20-db9c-4678-8ab7-66f6cc099a59'),
    user('Mail.Read', '570282fd-fa5c-430d-a7fd-fc8dc98a9dca'),
    user('Mail.ReadBasic', 'a4b8392a-d8d1-4954-a029-8e668a39a170'),
    user('Mail.ReadWrite', '024d486e-b451-40bb-833d-3e66d98c5c73'),
    user('Mail.Read.Shared', '7b9103a5-4610-446b-9670-80643382c1fa'),
    user('Mail.ReadWrite.Shared', '5df07973-7d5d-46ed-9847-1271055cbd51'),
    user('Mail.Send', 'e383f46e-2787-4529-855e-0e479a3ffac0'),
    user('Mail.Send.Shared', 'a367ab51-6b49-43bf-a716-a1fb06d2a174'),
    user('MailboxSettings.Read', '87f447af-9fa4-4c32-9dfa-4a57a73d18ce'),
    user('MailboxSettings.ReadWrite', '818c620a-27a9-40bd-a6a5-d96f7d610b4b'),
    user('Calendars.Read', '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42'),
    user('Calendars.ReadBasic', '662d75ba-a364-42ad-adee-f5f880ea4878'),
    user('Calendars.ReadWrite', '1ec239c2-d7c9-4623-a91a-a9775856bb36'),
    user('Calendars.Read.Shared', '2b9c4092-424d-4249-948d-b43879977640'),
    user('Calendars.ReadWrite.Shared', '12466101-c9b8-439a-8589-dd09ee67e8e9'),
    user('Contacts.Read', 'ff74d97f-43af-4b68-9f2a-b77ee6968c5d'),
    user('Contacts.ReadWrite', 'd56682ec-c09e-4743-aaf4-1a3aac4caa21'),
    user('Contacts.Read.Shared', '242b9d9e-ed24-4d09-9a52-f43769beb9d4'),
    user('Contacts.ReadWrite.Shared', 'afb6c84b-06be-49af-80bb-8f3f77004eab'),
    user('Tasks.Read', 'f45671fb-e0fe-4b4b-be20-3d3ce43f1bcb'),
    user('Tasks.ReadWrite', '2219042f-cab5-40cc-b0d2-16b1540b4c5f'),
    user('Tasks.Read.Shared', '88d21fd4-8e5a-4c32-b5e2-4a1c95f34f72'),
    user('Tasks.ReadWrite.Shared', 'c5ddf11b-c114-4886-8558-8a4e557cd52b'),
    user('IMAP.AccessAsUser.All', '652390e4-393a-48de-9484-05f9b1212954'),
    user('POP.AccessAsUser.All', 'd7b7f2d9-0f45-4ea1-9d42-e50810c06991'),
    user('SMTP.Send', '258f6531-6087-4cc4-bb90-092c5fb3ed3f'),
    user('EWS.AccessAsUser.All', '9769c687-087d-48ac-9cb3-c37dde652038'),
  ],
  application: [
    admin('User.Read.All', 'df021288-bdef-4463-88db-98f22de89214'),
    admin('Mail.Read', '810c84a8-4a9e-49e6-bf7d-12d183f40d01'),
    admin('Mail.ReadBasic.All', '693c5e45-0940-467d-9b8a-1022fb9d42ef'),
    admin('Mail.ReadWrite', 'e2a3a72e-5f79-4c64-b1b1-878b674786c9'),
    admin('Mail.Send', 'b633e1c5-b582-4048-a93e-9f11b44c7e96'),
    admin('MailboxSettings.Read', '40f97065-369a-49f4-947c-6a255697ae91'),
    admin('Calendars.Read', '798ee544-9d2d-430c-a058-570e29e34338'),
    admin('Calendars.ReadWrite', 'ef54d2bf-783f-4e0f-bca1-3210c0444d99'),
    admin('Contacts.Read', '089fe4d0-434a-44c5-8827-41ba8a0b17f5'),
    admin('Contacts.ReadWrite', '6918b873-d17a-4dc1-b314-35f528134491'),
    admin('Tasks.Read.All', 'f10e1f91-74ed-437f-a6fd-d6ae88e26c1f'),
    admin('Tasks.ReadWrite.All', '44e666d1-d276-445b-a5fc-8815eeb81d55'),
  ],
};

export const RESOURCES: readonly ResourceDef[] = [OUTLOOK, GRAPH];

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/**
 * Permissions the portal lists under Graph but which Exchange enforces: consenting one on
 * either resource grants both, so the guide's exact scope strings work either way.
 */
const SHARED_WITH_OUTLOOK = ['IMAP.AccessAsUser.All', 'POP.AccessAsUser.All', 'SMTP.Send'];

/** `openid profile email offline_access`: Graph permissions that never choose the audience. */
export function isOidc(p: Permission): boolean {
  return p.resource.key === 'graph' && (OIDC_SCOPES as readonly string[]).includes(p.name);
}

/** A permission of a resource; `name` is canonical, or `.default` before expansion. */
export interface Permission {
  resource: ResourceDef;
  name: string;
}

export function findResource(identifier: string): ResourceDef | undefined {
  const id = identifier.trim().toLowerCase().replace(/\/+$/, '');
  return RESOURCES.find((r) => r.uri === id || r.aliases.includes(id));
}

function canonical(list: readonly (string | PermissionDef)[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const names = list.map((p) => (typeof p === 'string' ? p : p.name));
  return names.find((p) => p.toLowerCase() === lower);
}

/** The catalogue entry of a delegated permission (undefined for `.default`). */
export function delegatedDef(p: Permission): PermissionDef | undefined {
  return p.resource.delegated.find((d) => d.name === p.name);
}

export interface ParsedScopes {
  /** Every permission asked for, OIDC ones included (as Graph permissions). */
  permissions: Permission[];
  /** The OIDC scopes asked for (decide id_token and refresh token). */
  oidc: Set<string>;
  /** The resource of the first non-OIDC scope: the token is for it. */
  firstResource?: ResourceDef;
}

/** Parse a space-separated `scope` as Microsoft does; throws AADSTS500011 / AADSTS70011. */
export function parseScopes(scope: string, tenantName: string, kind: 'delegated' | 'application' = 'delegated'): ParsedScopes {
  const permissions: Permission[] = [];
  const oidc = new Set<string>();
  let firstResource: ResourceDef | undefined;
  for (const raw of scope.split(/\s+/).filter(Boolean)) {
    const oidcName = canonical(OIDC_SCOPES, raw);
    if (oidcName) {
      oidc.add(oidcName);
      permissions.push({ resource: GRAPH, name: oidcName });
      continue;
    }
    const slash = raw.lastIndexOf('/');
    // A bare name (no resource part) is Microsoft Graph's.
    const resource = slash < 0 ? GRAPH : findResource(raw.slice(0, slash));
    if (!resource) throw resourceNotFound(raw.slice(0, slash), tenantName);
    const wanted = slash < 0 ? raw : raw.slice(slash + 1);
    const name = wanted === '.default' ? '.default' : canonical(kind === 'delegated' ? resource.delegated : resource.application, wanted);
    if (!name) throw invalidScope(raw);
    firstResource ??= resource;
    permissions.push({ resource, name });
  }
  return { permissions, oidc, ...(firstResource ? { firstResource } : {}) };
}

/** Parse the app registration's permission strings (same syntax as scopes). */
export function parsePermissionList(list: readonly string[], kind: 'delegated' | 'application'): Permission[] {
  return parseScopes(list.join(' '), 'seed', kind).permissions;
}

/** The key a consent is stored under, and its twin on the other resource for the shared ones. */
export function consentKeys(p: Permission): string[] {
  const own = `${p.resource.key}:${p.name}`;
  if (!SHARED_WITH_OUTLOOK.includes(p.name)) return [own];
  return [`outlook:${p.name}`, `graph:${p.name}`];
}

/** How a permission is written back in a token response's `scope`: Graph's bare, others as URIs. */
export function formatScope(p: Permission): string {
  return p.resource.key === 'graph' ? p.name : `${p.resource.uri}/${p.name}`;
}

/** A resource's delegated permissions in catalog order, filtered by a predicate (for stable `scp`). */
export function delegatedOf(resource: ResourceDef, keep: (name: string) => boolean): string[] {
  return resource.delegated.map((d) => d.name).filter((name) => name !== 'offline_access' && keep(name));
}
