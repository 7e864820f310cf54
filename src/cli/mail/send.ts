import { basename } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { Importance, MailDraft } from '../../message/message.js';
import type { CliContext } from '../context.js';
import { withMailbox } from './session.js';

interface SendFlags {
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  subject: string;
  text?: string;
  html?: string;
  attach?: string[];
  from?: string;
  priority?: string;
  header?: string[];
  iso2022jp?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const repeat = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `mailbridge send RESOURCE --to … --subject … --text|--html …` through an SMTP resource. */
export function registerSendCommand(program: Command, ctx: CliContext): void {
  program.command('send')
    .description('send a message through an smtp (XOAUTH2), ews or graph resource')
    .argument('<resource>', 'an smtp resource')
    .requiredOption('--to <address>', 'recipient (repeat or comma-separate)', collect)
    .option('--cc <address>', 'Cc recipient', collect)
    .option('--bcc <address>', 'Bcc recipient', collect)
    .option('--reply-to <address>', 'Reply-To address', collect)
    .requiredOption('--subject <text>', 'subject')
    .option('--text <body>', 'plain text body')
    .option('--html <body>', 'HTML body')
    .option('--attach <file>', 'attach a file (repeat for more)', repeat)
    .option('--from <address>', 'From, when it differs from the signed-in user (send-as / shared mailbox)')
    .option('--priority <level>', 'high | normal | low')
    .option('--header <line>', "extra header, e.g. 'X-Campaign: spring' (repeat for more)", repeat)
    .option('--iso-2022-jp', 'encode Japanese text as ISO-2022-JP for older Japanese mailers')
    .action((resource: string, flags: SendFlags) => withMailbox(ctx, resource, async (m) => {
      const result = await m.send(draftFrom(flags));
      if (ctx.json()) return ctx.printJson(result);
      ctx.print(`sent ${result.messageId} to ${result.accepted.length} recipient(s)${result.rejected.length ? `; rejected: ${result.rejected.join(', ')}` : ''}`);
    }));
}

/** Flags → MailDraft. `from` left empty means the resource's own address (the smtp mailbox fills it). */
export function draftFrom(f: SendFlags): MailDraft {
  if (f.text === undefined && f.html === undefined) {
    throw new ConfigError({ code: 'CLI_SEND_NO_BODY', message: 'the message has no body', hint: 'give --text, --html or both', field: 'text' });
  }
  const priority = f.priority === undefined ? undefined : parsePriority(f.priority);
  return {
    from: f.from ?? '',
    to: f.to,
    ...(f.cc ? { cc: f.cc } : {}),
    ...(f.bcc ? { bcc: f.bcc } : {}),
    ...(f.replyTo ? { replyTo: f.replyTo } : {}),
    subject: f.subject,
    ...(f.text !== undefined ? { text: f.text } : {}),
    ...(f.html !== undefined ? { html: f.html } : {}),
    ...(f.attach ? { attachments: f.attach.map((path) => ({ path, filename: basename(path) })) } : {}),
    ...(priority ? { priority } : {}),
    ...(f.header ? { headers: parseHeaders(f.header) } : {}),
    ...(f.iso2022jp ? { encoding: 'iso-2022-jp' as const } : {}),
  };
}

function parsePriority(v: string): Importance {
  if (v === 'high' || v === 'normal' || v === 'low') return v;
  throw new ConfigError({ code: 'CLI_PRIORITY_INVALID', message: `unknown priority "${v}"`, hint: 'use high, normal or low', field: 'priority' });
}

function parseHeaders(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    const name = i > 0 ? line.slice(0, i).trim() : '';
    // Only the line's shape is checked here; the name itself is checked where every draft is
    // (the composer's validateCustomHeaders: HEADER_NAME_INVALID), for the CLI and the API alike.
    if (name === '') {
      throw new ConfigError({ code: 'CLI_HEADER_INVALID', message: `"${line}" is not a header line`, hint: "write it as 'Name: value', e.g. 'X-Campaign: spring'", field: 'header' });
    }
    out[name] = line.slice(i + 1).trim();
  }
  return out;
}
