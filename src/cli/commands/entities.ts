import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { ConfigError, UnsupportedError } from '../../errors.js';
import type { EntityBackend, EntityKind, EntityQuery, EntityTypes } from '../../message/entities.js';
import { openEwsMailbox } from '../../mail/ews-mailbox.js';
import { openGraphResource } from '../../mail/graph-mailbox.js';
import type { CliContext } from '../context.js';

/**
 * `mailbridge calendar|contacts|tasks RESOURCE list|get|add|update|delete [ID]`: the Exchange
 * connector's other entities over a graph or ews resource. Fields come from `--data JSON`
 * (or `--data @file.json`) and a few flags for the common ones; flags win over --data.
 */

const ACTIONS = ['list', 'get', 'add', 'update', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'use an ISO date like 2024-05-01T09:00:00Z');
const INPUT_SCHEMAS = {
  calendar: z.strictObject({
    subject: z.string(), start: isoDate, end: isoDate, location: z.string().optional(), body: z.string().optional(),
    attendees: z.array(z.string()).optional(), isAllDay: z.boolean().optional(),
  }),
  contacts: z.strictObject({
    displayName: z.string().optional(), givenName: z.string().optional(), surname: z.string().optional(),
    emailAddresses: z.array(z.string()).default([]), businessPhones: z.array(z.string()).optional(), companyName: z.string().optional(),
  }),
  tasks: z.strictObject({
    title: z.string(), status: z.enum(['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred']).default('notStarted'),
    dueDateTime: isoDate.optional(), body: z.string().optional(), importance: z.enum(['low', 'normal', 'high']).optional(),
  }),
} as const;

interface EntityFlags {
  data?: string;
  from?: string;
  to?: string;
  text?: string;
  limit?: string;
  subject?: string;
  start?: string;
  end?: string;
  location?: string;
  name?: string;
  email?: string[];
  title?: string;
  status?: string;
  due?: string;
}

function invalid(field: string, message: string, hint: string): ConfigError {
  return new ConfigError({ code: 'ENTITY_INPUT_INVALID', field, message, hint });
}

/** --data and the field flags as one object (not yet validated). */
function rawInput(kind: EntityKind, f: EntityFlags): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  if (f.data !== undefined) {
    const text = f.data.startsWith('@') ? readFileSync(f.data.slice(1), 'utf8') : f.data;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      data = parsed as Record<string, unknown>;
    } catch {
      throw invalid('data', '--data is not a JSON object', 'give e.g. --data \'{"subject":"Review","start":"2024-05-01T09:00:00Z","end":"2024-05-01T10:00:00Z"}\' or --data @event.json');
    }
  }
  const flags: Record<string, unknown> = kind === 'calendar'
    ? { subject: f.subject, start: f.start, end: f.end, location: f.location }
    : kind === 'contacts'
      ? { displayName: f.name, emailAddresses: f.email }
      : { title: f.title, status: f.status, dueDateTime: f.due };
  return { ...data, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
}

function parseInput(kind: EntityKind, f: EntityFlags, partial: boolean): Record<string, unknown> {
  const base = INPUT_SCHEMAS[kind];
  const r = (partial ? base.partial() : base).safeParse(rawInput(kind, f));
  if (r.success) return r.data as Record<string, unknown>;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || 'data';
  throw invalid(field, `${kind} ${field}: ${issue?.message ?? 'invalid'}`, `fields of ${kind}: ${Object.keys(base.shape).join(', ')}`);
}

function queryOf(f: EntityFlags): EntityQuery {
  const date = (v: string | undefined, field: string) => {
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw invalid(field, `--${field} "${v}" is not a date`, 'use e.g. 2024-05-01 or 2024-05-01T09:00:00Z');
    return d;
  };
  const from = date(f.from, 'from');
  const to = date(f.to, 'to');
  const limit = f.limit === undefined ? undefined : Number(f.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalid('limit', `--limit "${f.limit}" is not a positive whole number`, 'use e.g. --limit 10');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(f.text ? { text: f.text } : {}), ...(limit ? { limit } : {}) };
}

/** Opens the resource's entity backend (graph or ews) for one command, and closes it. */
async function withEntities<T>(ctx: CliContext, name: string, work: (b: EntityBackend) => Promise<T>): Promise<T> {
  const store = await ctx.store();
  const resource = await store.getResource(name);
  if (!resource) throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', field: 'resource', message: `no resource named "${name}"`, hint: 'list them with `mailbridge resource list`' });
  if (resource.kind !== 'graph' && resource.kind !== 'ews') {
    throw new UnsupportedError({
      code: 'MAIL_OPERATION_UNSUPPORTED', field: 'kind', message: `${resource.kind.toUpperCase()} has no calendar, contacts or tasks`,
      hint: 'use a graph resource (or ews): `mailbridge resource add NAME --kind graph ...`', details: { protocol: resource.kind },
    });
  }
  if (resource.authType !== 'oauth2') {
    throw new UnsupportedError({ code: 'MAIL_AUTH_UNSUPPORTED', field: 'authType', message: `resource ${name} uses ${resource.authType} authentication; Exchange needs OAuth 2.0`, hint: 'set the resource\'s authType to oauth2' });
  }
  const tokens = await ctx.tokens();
  const backend = resource.kind === 'graph'
    ? await openGraphResource({ resource, store, tokens, logger: ctx.logger })
    : openEwsMailbox({ resource, tokens: tokens.provider(name), logger: ctx.logger });
  try {
    return await work(backend);
  } finally {
    await backend.close().catch(() => undefined);
  }
}

function line<K extends EntityKind>(kind: K, e: EntityTypes[K]): string {
  const v = e as unknown as Record<string, unknown>;
  if (kind === 'calendar') return `${e.id}  ${String(v.start)} – ${String(v.end)}  ${String(v.subject)}${v.location ? ` @ ${String(v.location)}` : ''}`;
  if (kind === 'contacts') return `${e.id}  ${String(v.displayName ?? '')}  ${((v.emailAddresses as string[] | undefined) ?? []).join(', ')}`;
  return `${e.id}  [${String(v.status)}]  ${String(v.title)}${v.dueDateTime ? `  due ${String(v.dueDateTime)}` : ''}`;
}

function details(e: object): string {
  return Object.entries(e).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('\n');
}

async function run(ctx: CliContext, kind: EntityKind, resource: string, action: string, id: string | undefined, f: EntityFlags): Promise<void> {
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw invalid('action', `unknown action "${action}"`, `use one of ${ACTIONS.join(', ')}`);
  }
  const act = action as Action;
  const needsId = act === 'get' || act === 'update' || act === 'delete';
  if (needsId && !id) throw invalid('id', `${kind} ${act} needs the item id`, `find it with \`mailbridge ${kind} ${resource} list\``);
  // Validate input before opening anything: bad input writes nothing.
  const input = act === 'add' ? parseInput(kind, f, false) : act === 'update' ? parseInput(kind, f, true) : undefined;
  const query = act === 'list' ? queryOf(f) : undefined;
  await withEntities(ctx, resource, async (b) => {
    const s = b.entities(kind);
    switch (act) {
      case 'list': {
        const items = await s.list(query);
        if (ctx.json()) return ctx.printJson(items);
        if (items.length === 0) return ctx.print(`no ${kind === 'calendar' ? 'events' : kind}`);
        for (const e of items) ctx.print(line(kind, e));
        return;
      }
      case 'get': {
        const e = await s.get(id as string);
        return ctx.json() ? ctx.printJson(e) : ctx.print(details(e));
      }
      case 'add': {
        const e = await s.add(input as never);
        return ctx.json() ? ctx.printJson(e) : ctx.print(`added ${e.id}`);
      }
      case 'update': {
        if (Object.keys(input ?? {}).length === 0) throw invalid('data', 'nothing to update', 'give the fields to change with --data or the field flags');
        const e = await s.update(id as string, input as never);
        return ctx.json() ? ctx.printJson(e) : ctx.print(`updated ${e.id}`);
      }
      case 'delete':
        await s.delete(id as string);
        return ctx.json() ? ctx.printJson({ deleted: id }) : ctx.print(`deleted ${id as string}`);
    }
  });
}

const collectList = (v: string, prev: string[] = []) => [...prev, v];

export function registerEntitiesCommand(program: Command, ctx: CliContext): void {
  const kinds: Array<[EntityKind, string]> = [['calendar', 'calendar events'], ['contacts', 'contacts'], ['tasks', 'To Do tasks']];
  for (const [kind, what] of kinds) {
    const cmd = program.command(kind)
      .description(`${what} of a graph or ews resource: list | get ID | add | update ID | delete ID`)
      .argument('<resource>')
      .argument('<action>', ACTIONS.join(' | '))
      .argument('[id]', 'the item id (get, update, delete)')
      .option('--data <json>', 'fields as a JSON object, or @FILE.json')
      .option('--text <text>', 'list: free text in the subject / name / title')
      .option('--limit <n>', 'list: at most N');
    if (kind === 'calendar') {
      cmd.option('--from <date>', 'list: events ending after this').option('--to <date>', 'list: events starting before this')
        .option('--subject <text>').option('--start <iso>').option('--end <iso>').option('--location <text>');
    } else if (kind === 'contacts') {
      cmd.option('--name <text>', 'display name').option('--email <address>', 'an email address (repeatable)', collectList);
    } else {
      cmd.option('--title <text>').option('--status <status>', 'notStarted | inProgress | completed | waitingOnOthers | deferred').option('--due <iso>', 'due date-time');
    }
    cmd.action((resource: string, action: string, id: string | undefined, f: EntityFlags) => run(ctx, kind, resource, action, id, f));
  }
}
