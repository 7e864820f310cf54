/**
 * The filter model (the integration platform's receive filters): what a list, a fetch or a
 * trigger selects messages by. Each backend translates it (IMAP SEARCH, an EWS restriction,
 * a Graph $filter).
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** A date given on the command line or in JSON: `2024-05-01` or a full ISO timestamp. */
const dateInput = z.union([z.date(), z.string().min(1)]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'use a date like 2024-05-01' });
    return z.NEVER;
  }
  return d;
});
const size = z.coerce.number().int().min(0);

/** The filter model (the integration platform's receive filters), checked at the boundary. */
export const messageFilterSchema = z.strictObject({
  unseen: z.boolean().optional(),
  since: dateInput.optional(),
  before: dateInput.optional(),
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  subject: z.string().min(1).optional(),
  hasAttachments: z.boolean().optional(),
  /** Octets. */
  larger: size.optional(),
  smaller: size.optional(),
});
/** Receive filters (unseen, dates, from, to, subject, attachments, size), as `parseMessageFilter` checks them. */
export type MessageFilter = z.output<typeof messageFilterSchema>;

/** Parses filter input (CLI flags, REST query); a bad value is a ConfigError naming the field. */
export function parseMessageFilter(input: unknown): MessageFilter {
  const r = messageFilterSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') ?? 'filter';
  throw new ConfigError({
    code: 'FILTER_INVALID',
    message: `invalid filter ${field}: ${issue?.message ?? 'bad value'}`,
    hint: 'dates look like 2024-05-01, sizes are whole numbers of bytes',
    field,
  });
}

/** True when the filter selects every message (no field set). */
export function isEmptyFilter(f: MessageFilter | undefined): boolean {
  // A filter built in code may carry explicit undefineds; they select nothing.
  return !f || Object.values(f).every((v: unknown) => v === undefined);
}
