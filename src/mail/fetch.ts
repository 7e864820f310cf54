import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { saveAttachmentStream } from './attachments.js';
import { streamAttachments } from './parse.js';
import { FetchState } from './fetch-state.js';
import { formatAfterAction, type AfterAction, type Mailbox, type MessageFilter } from './mailbox.js';

export interface FetchToDirectoryOptions {
  mailbox: Mailbox;
  /** Target directory: `<id>.eml` per message, attachments under `<id>/`. */
  dir: string;
  folder?: string;
  filter?: MessageFilter;
  limit?: number;
  after?: AfterAction;
  /** Called after each message, for a progress bar. */
  onProgress?: (p: { done: number; total: number; id: string }) => void;
}

export interface FetchReport {
  /** Messages the search matched (including ones a previous run finished). */
  matched: number;
  saved: number;
  /** Finished by an earlier run of the same fetch. */
  skipped: number;
  attachments: number;
  /** The after-processing action applied to this many messages. */
  processed: number;
  after: string;
  /**
   * Set when the folder's UIDVALIDITY changed since the last run (the folder was recreated or
   * renumbered): the ids recorded earlier named other messages, so every message was treated
   * as new, and the files the earlier runs saved were moved into `previousFilesIn`.
   */
  restarted?: { previousUidValidity: string; uidValidity: string; previousFilesIn: string };
}

/**
 * Saves every matching message to `dir` as .eml plus its attachments, then runs the
 * after-processing action for it. Resumable: a state file records what is durably saved
 * (fsynced) and what was processed, so a rerun after a crash neither loses a message
 * (the action never runs before the save is on disk) nor saves one twice.
 */
/** Messages written before one flush to disk: bounded so a crash redoes little. */
const BATCH = 64;

export async function fetchToDirectory(o: FetchToDirectoryOptions): Promise<FetchReport> {
  const folder = o.folder ?? 'INBOX';
  const after = o.after ?? { kind: 'leave' };
  await mkdir(o.dir, { recursive: true });
  const state = await FetchState.load(o.dir, o.mailbox.resource, folder);
  const restarted = await checkUidValidity(o.mailbox, state, o.dir, folder);
  const found = await o.mailbox.list({ folder, ...(o.filter ? { filter: o.filter } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}) });
  const report: FetchReport = {
    matched: found.length, saved: 0, skipped: 0, attachments: 0, processed: 0, after: formatAfterAction(after),
    ...(restarted ? { restarted } : {}),
  };
  let done = 0;
  // Group commit: a batch of messages is written, then flushed to disk together, then
  // recorded as saved, and only then processed (moved, deleted…). One fsync per file still,
  // but issued together, and one journal write per step, instead of a flush per message.
  for (let i = 0; i < found.length; i += BATCH) {
    const batch = found.slice(i, i + BATCH);
    const open = batch.filter((m) => !state.isProcessed(m.id));
    report.skipped += batch.length - open.length;
    const toSave = open.filter((m) => !state.isSaved(m.id));
    const written: string[] = [];
    const dirs = new Set<string>();
    for (const m of toSave) {
      const w = await writeMessage(o.mailbox, o.dir, m.id, folder);
      written.push(...w.files);
      for (const d of w.dirs) dirs.add(d);
      report.attachments += w.attachments;
    }
    if (toSave.length > 0) {
      await Promise.all(written.map(fsyncPath));
      await Promise.all([...dirs].map(fsyncPath));
      await state.markSaved(toSave.map((m) => m.id));
      report.saved += toSave.length;
    }
    if (open.length > 0) {
      await o.mailbox.afterProcessing(open.map((m) => m.id), after, { folder });
      await state.markProcessed(open.map((m) => m.id));
      if (after.kind !== 'leave') report.processed += open.length;
    }
    for (const m of batch) o.onProgress?.({ done: ++done, total: found.length, id: m.id });
  }
  await state.checkpoint();
  return report;
}

/**
 * IMAP ids are UIDs, which mean something only under the folder's UIDVALIDITY. When it
 * changed, skipping "already fetched" UIDs would silently skip other messages: the folder
 * starts over instead, and the earlier files move aside (kept, never overwritten).
 */
async function checkUidValidity(mailbox: Mailbox, state: FetchState, dir: string, folder: string): Promise<FetchReport['restarted']> {
  if (!mailbox.uidValidity) return undefined;
  const current = await mailbox.uidValidity({ folder });
  const previous = state.uidValidity;
  if (previous === undefined || previous === current) {
    await state.recordUidValidity(current);
    return undefined;
  }
  const aside = join(dir, `uidvalidity-${safeId(previous)}`);
  await mkdir(aside, { recursive: true });
  for (const id of state.savedIds()) {
    for (const name of [`${safeId(id)}.eml`, safeId(id)]) {
      // A rerun after a crash here finds some already moved: the state still names them.
      await rename(join(dir, name), join(aside, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }
  await fsyncPath(aside);
  await fsyncPath(dir);
  await state.recordUidValidity(current);
  return { previousUidValidity: previous, uidValidity: current, previousFilesIn: aside };
}

/**
 * Writes `<id>.eml` and its attachments under `<id>/` (IMAP; POP3 keeps messages whole),
 * not yet flushed: the caller fsyncs the returned files and directories before it records
 * the message as saved.
 */
async function writeMessage(mailbox: Mailbox, dir: string, id: string, folder: string): Promise<{ files: string[]; dirs: string[]; attachments: number }> {
  // Leftovers of a run that crashed before recording this message would make the atomic
  // save pick "<id> (1).eml"; they are incomplete by definition, so they go first.
  await rm(join(dir, `${safeId(id)}.eml`), { force: true });
  await rm(join(dir, safeId(id)), { recursive: true, force: true });
  const raw = await mailbox.raw(id, { folder });
  const eml = await saveAttachmentStream(raw, dir, `${safeId(id)}.eml`, { sync: false });
  const files = [eml.path];
  if (mailbox.kind !== 'imap') return { files, dirs: [dir], attachments: 0 };
  // The attachments are cut from the saved file rather than fetched again part by part:
  // each message crosses the network once.
  const attachmentDir = join(dir, safeId(id));
  await streamAttachments(createReadStream(eml.path), async (a) => {
    const saved = await saveAttachmentStream(a.content, attachmentDir, a.filename ?? `attachment-${files.length}`, { sync: false });
    files.push(saved.path);
  });
  return { files, dirs: files.length > 1 ? [dir, attachmentDir] : [dir], attachments: files.length - 1 };
}

/** A POP3 UIDL may hold any printable character; keep file names portable. */
function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
