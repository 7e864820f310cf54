import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, isMailbridgeError } from '../errors.js';
import { Secret } from '../secret.js';
import { presetInputSchema } from './entry.js';
import { CONFIG_ENTRY_FILE_FIELDS, hostAccessRefused, resourceHostPaths } from './host-paths.js';
import { applyPreset } from './presets.js';
import type { Resource } from './resource.js';
import { resourceToEntry } from './to-entry.js';
import { checkSecretsPresent, parseResource, resourceWarnings, type ResourceSecrets, type ResourceWarning } from './validate.js';
import { configErrorFromZod } from './zod-errors.js';

/** A resource read from outside, with the secrets that came with it (never stored in the Resource). */
export interface ResourceWithSecrets {
  resource: Resource;
  secrets: ResourceSecrets;
  warnings: ResourceWarning[];
}

/**
 * One entry of a config file: the short form plus where its secrets come from. A secret may be
 * `env:VAR` (read from the environment), a literal value, or a file (`clientSecretFile`).
 */
export const configEntrySchema = presetInputSchema.extend({
  clientSecret: z.string().min(1).optional(),
  clientSecretFile: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
});
export type ConfigEntry = z.infer<typeof configEntrySchema>;

export const configFileSchema = z.strictObject({ resources: z.array(z.unknown()) });

/**
 * Reads a YAML or JSON config file (by extension; otherwise YAML, which also reads JSON).
 * @throws ConfigError `CONFIG_FILE_UNREADABLE` when the file cannot be read, `CONFIG_INVALID` (naming the
 * field) when an entry is not a valid resource.
 * @example
 * ```ts
 * const { resources } = loadConfigFile('mailbridge.yaml');
 * ```
 */
export function loadConfigFile(path: string, opts: { env?: NodeJS.ProcessEnv } = {}): { resources: ResourceWithSecrets[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError({ code: 'CONFIG_FILE_UNREADABLE', field: 'file', message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, hint: 'check the path and its permissions', cause: e });
  }
  return parseConfigText(text, { source: path, baseDir: dirname(resolve(path)), env: opts.env ?? process.env, format: extname(path).toLowerCase() === '.json' ? 'json' : 'yaml' });
}

/**
 * The same as loadConfigFile, for text already in memory (tests, REST uploads).
 * @throws ConfigError `CONFIG_INVALID` (naming the field) when the text or an entry is invalid.
 */
export function parseConfigText(
  text: string,
  opts: { source: string; baseDir: string; env: NodeJS.ProcessEnv; format: 'json' | 'yaml'; allowFiles?: boolean },
): { resources: ResourceWithSecrets[] } {
  const doc = parseDocument(text, opts.source, opts.format);
  const top = configFileSchema.safeParse(doc);
  if (!top.success) throw configErrorFromZod(top.error, { where: opts.source });
  const seen = new Set<string>();
  const resources = top.data.resources.map((raw, i) => {
    const label = entryLabel(raw, i);
    const where = `${opts.source}: resource ${label}`;
    try {
      const entry = configEntrySchema.safeParse(raw);
      if (!entry.success) throw configErrorFromZod(entry.error, { where });
      // Checked on the parsed entry, before any file is read: `--allow-host-access` or the CLI only.
      if (opts.allowFiles === false) {
        for (const field of CONFIG_ENTRY_FILE_FIELDS) if (entry.data[field] !== undefined) throw hostAccessRefused(field, 'a file on the service\'s host');
      }
      const { clientSecret, clientSecretFile, password, passwordFile, ...short } = entry.data;
      if (seen.has(short.name)) {
        throw new ConfigError({ code: 'CONFIG_INVALID', field: 'name', message: `${where}: the name is used twice`, hint: 'give every resource its own name' });
      }
      seen.add(short.name);
      const resource = parseResource(applyPreset(short));
      if (opts.allowFiles === false) {
        const [file] = resourceHostPaths(resource);
        if (file) throw hostAccessRefused(file.field, 'a file on the service\'s host');
      }
      const secrets: ResourceSecrets = {
        ...readSecret('clientSecret', clientSecret, clientSecretFile, opts),
        ...readSecret('password', password, passwordFile, opts),
      };
      checkSecretsPresent(resource, secrets);
      return { resource, secrets, warnings: resourceWarnings(resource) };
    } catch (e) {
      throw inEntry(e, where);
    }
  });
  return { resources };
}

/** The config file text for resources, in the short form; secrets are never written. */
export function exportConfig(resources: Resource[], format: 'yaml' | 'json' = 'yaml'): string {
  const doc = { resources: resources.map(resourceToEntry) };
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return `# mailbridge resources. Secrets are not exported: add clientSecret: "env:VAR" or clientSecretFile: PATH.\n${stringifyYaml(doc)}`;
}

function parseDocument(text: string, source: string, format: 'json' | 'yaml'): unknown {
  try {
    return format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos?.[0] ? ` (line ${e.linePos[0].line})` : '';
    throw new ConfigError({
      code: 'CONFIG_PARSE',
      field: 'file',
      message: `${source}: not valid ${format.toUpperCase()}${where}: ${(e as Error).message.split('\n')[0]}`,
      hint: 'fix the syntax; the file holds `resources:` with one entry per resource',
      cause: e,
    });
  }
}

/** `env:VAR` reads the environment so that a secret need not sit in the file. */
function readSecret(
  field: 'clientSecret' | 'password',
  value: string | undefined,
  file: string | undefined,
  opts: { baseDir: string; env: NodeJS.ProcessEnv },
): Partial<Record<typeof field, Secret>> {
  if (value !== undefined && file !== undefined) {
    throw new ConfigError({ code: 'CONFIG_INVALID', field, message: `both ${field} and ${field}File are given`, hint: `keep one of ${field} and ${field}File` });
  }
  if (file !== undefined) {
    const path = resolve(opts.baseDir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError({ code: 'CONFIG_INVALID', field: `${field}File`, message: `cannot read ${path}`, hint: 'check the path (relative paths start at the config file\'s folder)', cause: e });
    }
    return { [field]: new Secret(text.replace(/\r?\n$/, '')) };
  }
  if (value === undefined) return {};
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    const v = opts.env[name];
    if (!v) {
      throw new ConfigError({ code: 'CONFIG_INVALID', field, message: `${field} refers to the environment variable ${name}, which is not set`, hint: `export ${name}=... before running, or use ${field}File` });
    }
    return { [field]: new Secret(v) };
  }
  return { [field]: new Secret(value) };
}

function entryLabel(raw: unknown, i: number): string {
  const name = typeof raw === 'object' && raw !== null && 'name' in raw ? (raw as { name: unknown }).name : undefined;
  return typeof name === 'string' ? `"${name}" (#${i + 1})` : `#${i + 1}`;
}

/** Prefix the file and resource to an error from inside an entry, keeping its field and hint. */
function inEntry(e: unknown, where: string): unknown {
  if (!isMailbridgeError(e) || e.message.startsWith(where)) return e;
  // The same class (a refusal stays a PermissionError), with the entry named in the message.
  const Same = e.constructor as typeof ConfigError;
  return new Same({
    code: e.code,
    ...(e.field ? { field: e.field } : {}),
    message: `${where}: ${e.message}`,
    hint: e.hint,
    details: e.details,
  });
}
