import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { parseAfterAction } from '../../message/after-action.js';
import { parseMessageFilter, type MessageFilter } from '../../message/filter.js';
import type { CliContext } from '../context.js';
import { formatSummaryLine, renderMessage } from '../mail/format.js';
import { createProgress, type Progress } from '../progress.js';
import { registerSendCommand } from '../mail/send.js';
import { withMailbox } from '../mail/session.js';
import { ConfigError } from '../../errors.js';
import { localeFromEnv, messages, t } from '../../i18n/index.js';

/** `fetch`/`get --save` finished, but some messages could not be parsed: they were saved whole (and not processed). */
const FETCH_PARTIAL_EXIT = 3;

/** Receive commands (folders, list, get, fetch, mark, move, copy, delete) and send. */
export function registerMailCommand(program: Command, ctx: CliContext): void {
  registerSendCommand(program, ctx);

  program.command('folders')
    .description('list the folders of a resource (IMAP, EWS, Graph; POP3 has only INBOX) with message and unseen counts')
    .argument('<resource>')
    .action((resource: string) => withMailbox(ctx, resource, async (m) => {
      const folders = await m.folders();
      if (ctx.json()) return ctx.printJson(folders);
      for (const f of folders) {
        ctx.print(`${f.path}${f.specialUse ? ` (${f.specialUse})` : ''}  ${f.messages ?? '?'} messages, ${f.unseen ?? '?'} unseen`);
      }
    }));

  withFilterOptions(program.command('list'))
    .description('list messages (newest last), optionally filtered')
    .argument('<resource>')
    .option('--limit <n>', 'only the newest N', positiveInt)
    .action((resource: string, opts: FilterFlags & { limit?: number }) => withMailbox(ctx, resource, async (m) => {
      let progress: Progress | undefined;
      const found = await m.list({
        folder: opts.folder, filter: filterFrom(opts), ...(opts.limit ? { limit: opts.limit } : {}),
        // rows as they arrive, on a terminal only (a big folder takes a while before the first line)
        onProgress: (done, total) => {
          progress ??= createProgress({ total: ctx.json() ? 0 : total });
          progress.update(done);
        },
      }).finally(() => progress?.end());
      if (ctx.json()) return ctx.printJson(found);
      if (found.length === 0) return ctx.print('no messages');
      for (const s of found) ctx.print(formatSummaryLine(s));
      // the summary goes to stderr: stdout stays the rows, for `| grep` and `| wc -l`
      process.stderr.write(`${t(texts.listed, localeFromEnv(), { count: found.length.toLocaleString('en-US'), folder: opts.folder })}\n`);
    }));

  program.command('get')
    .description('show one message (headers and text), its raw source, or save its attachments')
    .argument('<resource>')
    .argument('<uid>', 'IMAP UID (POP3: UIDL; EWS/Graph id) from `mailbridge list`; one beginning with - works as is')
    .option('--folder <folder>', 'folder', 'INBOX')
    .option('--raw', 'write the RFC 5322 source (.eml) to stdout')
    .option('--save-attachments <dir>', 'stream every attachment into DIR')
    .option('--save <dir>', 'save the message into DIR as fetch --save does (.eml, attachments beside it)')
    .action((resource: string, uid: string, opts: GetFlags) =>
      withMailbox(ctx, resource, async (m) => {
        if (opts.save) {
          const validity = await m.uidValidity?.({ folder: opts.folder });
          await mkdir(opts.save, { recursive: true });
          const { saveMessage } = await import('../../mail/message-files.js');
          const saved = await saveMessage(await m.raw(uid, { folder: opts.folder }), opts.save,
            { folder: opts.folder, id: uid, ...(validity !== undefined ? { validity } : {}) }, { attachments: true });
          if (saved.failure) process.exitCode = FETCH_PARTIAL_EXIT;
          if (ctx.json()) return ctx.printJson({ ...saved, failure: saved.failure?.toJSON() });
          const where = saved.attachmentsDir ? `  ${saved.attachments} attachments in ${saved.attachmentsDir}` : '';
          ctx.print(`${saved.file}${where}`);
          const f = saved.failure;
          if (f) ctx.print(`not parsed: saved as is, no attachments cut (${f.code}: ${f.message})`);
          return;
        }
        if (opts.raw) {
          await pipeline(await m.raw(uid, { folder: opts.folder }), process.stdout, { end: false });
          return;
        }
        if (opts.saveAttachments) {
          const saved = await m.saveAttachments(uid, opts.saveAttachments, { folder: opts.folder });
          if (ctx.json()) return ctx.printJson(saved);
          for (const a of saved) ctx.print(`${a.path}  ${a.size} bytes  ${a.contentType}`);
          if (saved.length === 0) ctx.print('no attachments');
          return;
        }
        const msg = await m.get(uid, { folder: opts.folder });
        if (ctx.json()) return ctx.printJson(msg);
        ctx.print(renderMessage(msg));
      }));

  withFilterOptions(program.command('fetch'))
    .description('save matching messages as .eml with their attachments into a directory (resumable), then apply an after-processing action')
    .argument('<resource>')
    .requiredOption('--save <dir>', 'target directory')
    .option('--after <action>', 'leave | read | move:FOLDER | delete, run only once a message is safely on disk', 'leave')
    .option('--limit <n>', 'only the newest N', positiveInt)
    .option('--raw', 'save the .eml files only, cut no attachments (the fastest; `get --save` cuts them later)')
    .action((resource: string, opts: FilterFlags & { save: string; after: string; limit?: number; raw?: boolean }) => {
      const after = parseAfterAction(opts.after);
      return withMailbox(ctx, resource, async (m) => {
        const { fetchToDirectory } = await import('../../mail/fetch.js');
        let progress: Progress | undefined;
        const report = await fetchToDirectory({
          mailbox: m, dir: opts.save, folder: opts.folder, filter: filterFrom(opts), after,
          ...(opts.limit ? { limit: opts.limit } : {}),
          ...(opts.raw ? { raw: true } : {}),
          onProgress: (p) => {
            // --json output stays machine-only; the display itself stays silent off a terminal
            progress ??= ctx.json() ? createProgress({ total: 0 }) : createProgress({ total: p.total });
            progress.update(p.done, p.bytes);
          },
        }).finally(() => progress?.end());
        // Exit status 3: the run finished, but some messages were kept unparsed (and not processed).
        if (report.failed.length > 0) process.exitCode = FETCH_PARTIAL_EXIT;
        if (ctx.json()) return ctx.printJson(report);
        const failed = report.failed.length > 0 ? `, ${report.failed.length} kept unparsed` : '';
        const counts = `${report.skipped} already done, ${report.attachments} attachments${failed}`;
        const processed = report.after === 'leave' ? '' : ` (${report.processed})`;
        const afterText = `after: ${report.after}${processed}`;
        ctx.print(`fetched ${report.saved} of ${report.matched} messages (${counts}) into ${opts.save}; ${afterText}`);
        for (const f of report.failed) {
          const why = `${f.code}: ${f.message}`;
          ctx.print(`not parsed: ${JSON.stringify(f.id)} saved as is to ${f.file}, left on the server (${why})`);
        }
        if (report.restarted) {
          const r = report.restarted;
          ctx.print(`note: UIDVALIDITY of ${opts.folder} changed (was ${r.previousUidValidity}, now ${r.uidValidity}): the folder was fetched as new; files from earlier runs are in ${r.previousFilesIn}`);
        }
      });
    });

  program.command('mark')
    .description('mark messages read/unread or flag/unflag them')
    .argument('<resource>')
    .argument('<uids...>')
    .option('--folder <folder>', 'folder', 'INBOX')
    .addOption(new Option('--read').conflicts('unread'))
    .addOption(new Option('--unread'))
    .addOption(new Option('--flag').conflicts('unflag'))
    .addOption(new Option('--unflag'))
    .action((resource: string, uids: string[], o: { folder: string; read?: boolean; unread?: boolean; flag?: boolean; unflag?: boolean }) => {
      if (!o.read && !o.unread && !o.flag && !o.unflag) {
        throw new ConfigError({ code: 'CLI_MARK_NOTHING', message: 'nothing to mark', hint: 'give --read, --unread, --flag or --unflag', field: 'mark' });
      }
      return withMailbox(ctx, resource, async (m) => {
        if (o.read || o.unread) await m.markRead(uids, Boolean(o.read), { folder: o.folder });
        if (o.flag || o.unflag) await m.flag(uids, Boolean(o.flag), { folder: o.folder });
      });
    });

  for (const verb of ['move', 'copy'] as const) {
    program.command(verb)
      .description(`${verb} messages to another folder`)
      .argument('<resource>')
      .argument('<uids...>')
      .requiredOption('--to <folder>', 'target folder')
      .option('--folder <folder>', 'source folder', 'INBOX')
      .action((resource: string, uids: string[], o: { to: string; folder: string }) =>
        withMailbox(ctx, resource, (m) => m[verb](uids, o.to, { folder: o.folder })));
  }

  program.command('delete')
    .description('delete messages for good (IMAP: expunge; POP3: DELE)')
    .argument('<resource>')
    .argument('<uids...>')
    .option('--folder <folder>', 'folder', 'INBOX')
    .action((resource: string, uids: string[], o: { folder: string }) =>
      withMailbox(ctx, resource, async (m) => {
        // In rounds of DELETE_ROUND: a display of done/total on a terminal, and what an
        // interruption leaves undone is at most one round (each round is one server command on IMAP).
        const progress = createProgress({ total: ctx.json() ? 0 : uids.length });
        try {
          for (let i = 0; i < uids.length; i += DELETE_ROUND) {
            await m.delete(uids.slice(i, i + DELETE_ROUND), { folder: o.folder });
            progress.update(Math.min(i + DELETE_ROUND, uids.length));
          }
        } finally {
          progress.end();
        }
        if (ctx.json()) return ctx.printJson({ deleted: uids.length, folder: o.folder });
        ctx.print(t(texts.deleted, localeFromEnv(), { count: uids.length.toLocaleString('en-US'), folder: o.folder }));
      }));
}

/** Messages per delete command of a bulk delete. */
const DELETE_ROUND = 200;

const texts = messages('cli.mail', {
  listed: { en: '{count} messages in {folder}', ja: '{folder} のメッセージ: {count} 件' },
  deleted: { en: 'deleted {count} messages from {folder}', ja: '{folder} から {count} 件のメッセージを削除しました' },
});

interface GetFlags {
  folder: string;
  raw?: boolean;
  saveAttachments?: string;
  save?: string;
}

interface FilterFlags {
  folder: string;
  unseen?: boolean;
  since?: string;
  before?: string;
  from?: string;
  to?: string;
  subject?: string;
  hasAttachments?: boolean;
  larger?: string;
  smaller?: string;
}

function withFilterOptions(cmd: Command): Command {
  return cmd
    .option('--folder <folder>', 'folder', 'INBOX')
    .option('--unseen', 'unread messages only')
    .option('--since <date>', 'received on or after DATE (e.g. 2024-05-01)')
    .option('--before <date>', 'received before DATE')
    .option('--from <text>', 'From contains TEXT')
    .option('--to <text>', 'To contains TEXT')
    .option('--subject <text>', 'Subject contains TEXT')
    .option('--has-attachments', 'messages with attachments only')
    .option('--larger <bytes>', 'larger than BYTES')
    .option('--smaller <bytes>', 'smaller than BYTES');
}

function filterFrom(o: FilterFlags): MessageFilter {
  return parseMessageFilter({
    unseen: o.unseen, since: o.since, before: o.before, from: o.from, to: o.to, subject: o.subject,
    hasAttachments: o.hasAttachments, larger: o.larger, smaller: o.smaller,
  });
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError({ code: 'CLI_LIMIT_INVALID', message: `--limit must be a whole number above 0, not "${v}"`, hint: 'e.g. --limit 50', field: 'limit' });
  }
  return n;
}
