import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SandboxSeedError } from '../errors.js';
import { SANDBOX } from '../identity/seed.js';
import type { TenantSettings } from './contract.js';
import type { SandboxMailStore } from './store/index.js';

const seedMessageSchema = z
  .object({
    /** Folder: well-known name, id or IMAP path (created when missing). */
    folder: z.string().min(1).default('inbox'),
    /** The raw RFC 5322 message… */
    raw: z.string().min(1).optional(),
    /** …or a file holding it (relative to the seed file). */
    file: z.string().min(1).optional(),
    flags: z.array(z.string()).default([]),
  })
  .refine((m) => !!m.raw !== !!m.file, { message: 'give exactly one of raw or file' });

const mailboxSchema = z.object({
  address: z.string().includes('@'),
  displayName: z.string().min(1).optional(),
  /** Extra folders, as IMAP paths ("Projects", "Projects/2026"). */
  folders: z.array(z.string().min(1)).default([]),
  messages: z.array(seedMessageSchema).default([]),
});

const settingsSchema = z.object({
  smtpAuthDisabled: z.boolean(),
  mailboxSmtpAuthDisabled: z.record(z.string(), z.boolean()),
  ewsEnabled: z.boolean().nullable(),
  ewsAllowedAppIds: z.array(z.string()),
  fullAccess: z.record(z.string(), z.array(z.string())),
  sendAs: z.record(z.string(), z.array(z.string())),
}).partial();

/**
 * The Exchange part of a sandbox seed (the `exchange:` key of the identity seed file): mailboxes
 * beyond the directory's users, their folders and messages, tenant settings, and which apps hold
 * a mailbox permission (Add-MailboxPermission for a service principal).
 */
export const exchangeSeedSchema = z.object({
  mailboxes: z.array(mailboxSchema).default([]),
  /** `mailboxes: ['*']` grants every mailbox of the store. */
  appMailboxAccess: z.array(z.object({ appId: z.string().min(1), mailboxes: z.array(z.string()).default(['*']) })).default([]),
  settings: settingsSchema.default({}),
});
export type ExchangeSeed = z.infer<typeof exchangeSeedSchema>;
export type ExchangeSeedInput = z.input<typeof exchangeSeedSchema>;

/**
 * The ready-made tenant: the sandbox's confidential app may act on every mailbox app-only, and
 * the tenant has put it on the EWS allow-list (Set-OrganizationConfig -EWSAllowedAppIDs), as a
 * tenant still using EWS after 2026-10-01 must: otherwise the Exchange resource of the guide
 * could not be tried at all today. Tests of the block remove it.
 */
export function defaultExchangeSeed(): ExchangeSeed {
  return exchangeSeedSchema.parse({
    appMailboxAccess: [{ appId: SANDBOX.confidentialClientId, mailboxes: ['*'] }],
    settings: { ewsAllowedAppIds: [SANDBOX.confidentialClientId] },
  });
}

/** Validate an Exchange seed object (a SandboxSeedError naming the field when wrong). */
export function parseExchangeSeed(input: unknown, source = 'exchange seed'): ExchangeSeed {
  const r = exchangeSeedSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue ? issue.path.join('.') : '';
  throw new SandboxSeedError({
    code: 'SANDBOX_SEED_INVALID',
    message: `${source}: ${field ? `exchange.${field}: ` : ''}${issue?.message ?? 'invalid'}`,
    hint: 'fix the exchange: section of the seed file (mailboxes, appMailboxAccess, settings)',
    ...(field ? { field: `exchange.${field}` } : {}),
  });
}

/** Apply a seed: mailboxes, folders and messages into the store; settings and grants into `settings`. */
export async function applyExchangeSeed(seed: ExchangeSeed, store: SandboxMailStore, settings: TenantSettings, baseDir = '.'): Promise<void> {
  Object.assign(settings, structuredClone(seed.settings));
  for (const m of seed.mailboxes) {
    const box = store.ensureMailbox(m.address, m.displayName);
    for (const path of m.folders) {
      let parent: ReturnType<typeof box.folder>;
      const parts = path.split('/');
      for (let i = 0; i < parts.length; i++) {
        const sub = parts.slice(0, i + 1).join('/');
        parent = box.folder(sub) ?? (box.createFolder(parts[i]!, parent) as ReturnType<typeof box.folder>);
      }
    }
    for (const msg of m.messages) {
      const folder = box.folder(msg.folder);
      if (!folder) {
        throw new SandboxSeedError({ code: 'SANDBOX_SEED_INVALID', message: `seed message for ${m.address}: no folder ${msg.folder}`, hint: 'list the folder under folders:' });
      }
      const raw = msg.raw !== undefined ? Buffer.from(msg.raw.replace(/\r?\n/g, '\r\n')) : readFileSync(resolve(baseDir, msg.file!));
      await folder.append(raw, { flags: msg.flags });
    }
  }
  for (const grant of seed.appMailboxAccess) {
    const targets = grant.mailboxes.includes('*') ? store.mailboxes().map((b) => b.address) : grant.mailboxes.map((a) => a.toLowerCase());
    for (const mbx of targets) {
      const list = (settings.fullAccess[mbx] ??= []);
      if (!list.some((x) => x.toLowerCase() === grant.appId.toLowerCase())) list.push(grant.appId);
    }
  }
}

export function seedBaseDir(seedFile?: string): string {
  return seedFile ? dirname(resolve(seedFile)) : process.cwd();
}

/** The `exchange:` section of a seed file (YAML or JSON); the default Exchange seed when the file has none. */
export async function loadExchangeSeedFile(path: string): Promise<ExchangeSeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SandboxSeedError({ code: 'SANDBOX_SEED_UNREADABLE', message: `cannot read seed file ${path}`, hint: 'check the --seed path', cause });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw new SandboxSeedError({ code: 'SANDBOX_SEED_INVALID', message: `${path} is neither YAML nor JSON`, hint: 'fix the syntax of the seed file', cause });
  }
  const section = doc !== null && typeof doc === 'object' ? (doc as { exchange?: unknown }).exchange : undefined;
  return section === undefined ? defaultExchangeSeed() : parseExchangeSeed(section, path);
}
