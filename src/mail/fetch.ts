import { mkdir, rename } from 'node:fs/promises';
import { childPath, labelledName, messageBaseName, type MessageKey } from '../message/file-names.js';
import { FetchState } from './fetch-state.js';
import { formatAfterAction, type AfterAction } from '../message/after-action.js';
import type { Mailbox } from './mailbox.js';
import type { MessageFilter } from '../message/filter.js';
import {
  commitStaged, discardStaged, fsyncPath, stageMessage, syncStaged, type StagedMessage,
} from './message-files.js';

export interface FetchToDirectoryOptions {
  mailbox: Mailbox;
  /**
   * Target directory: one `<name>.eml` per message, attachments under `<name>/`, where the name
   * encodes (folder, UIDVALIDITY, id) as message/file-names.ts describes.
   */
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
  /**
   * Messages saved whole (the .eml as the server sent it) that could not be parsed, so no
   * attachments were cut from them; the after-processing action did not run for them, and a
   * later run tries them again.
   */
  failed: FailedMessage[];
}

export interface FailedMessage {
  id: string;
  /** The saved .eml. */
  file: string;
  code: string;
  message: string;
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
  const key = (id: string): MessageKey =>
    ({ folder, id, ...(state.uidValidity !== undefined ? { validity: state.uidValidity } : {}) });
  const found = await o.mailbox.list({ folder, ...(o.filter ? { filter: o.filter } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}) });
  const report: FetchReport = {
    matched: found.length, saved: 0, skipped: 0, attachments: 0, processed: 0, after: formatAfterAction(after),
    ...(restarted ? { restarted } : {}), failed: [],
  };
  let done = 0;
  // Group commit: a batch of messages is written to temp names, flushed to disk together,
  // renamed into place, recorded as saved, and only then processed (moved, deleted…).
  for (let i = 0; i < found.length; i += BATCH) {
    const batch = found.slice(i, i + BATCH);
    const open = batch.filter((m) => !state.isProcessed(m.id));
    report.skipped += batch.length - open.length;
    const toSave = open.filter((m) => !state.isSaved(m.id));
    const staged: StagedMessage[] = [];
    try {
      for (const m of toSave) {
        const raw = await o.mailbox.raw(m.id, { folder });
        staged.push(await stageMessage(raw, o.dir, key(m.id), { attachments: o.mailbox.kind === 'imap' }));
      }
      await syncStaged(staged);
    } catch (e) {
      await discardStaged(staged);
      throw e;
    }
    const committed = await commitStaged(staged);
    const failed = new Set<string>();
    committed.forEach((c, n) => {
      const id = toSave[n]?.id as string;
      report.attachments += c.attachments;
      if (!c.failure) return;
      failed.add(id);
      report.failed.push({ id, file: c.file, code: c.failure.code, message: c.failure.message });
    });
    const saved = toSave.filter((m) => !failed.has(m.id)).map((m) => m.id);
    if (saved.length > 0) await state.markSaved(saved);
    report.saved += saved.length;
    // Never the after-action for a message kept unparsed: it stays on the server for a later run.
    const ready = open.filter((m) => !failed.has(m.id)).map((m) => m.id);
    if (ready.length > 0) {
      await o.mailbox.afterProcessing(ready, after, { folder });
      await state.markProcessed(ready);
      if (after.kind !== 'leave') report.processed += ready.length;
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
  const aside = childPath(dir, labelledName('uidvalidity', previous));
  await mkdir(aside, { recursive: true });
  for (const id of state.savedIds()) {
    const base = messageBaseName({ folder, validity: previous, id });
    // Before this layout, IMAP messages were saved as `<uid>.eml` and `<uid>/`.
    const legacy = /^[0-9]+$/.test(id) ? [`${id}.eml`, id] : [];
    for (const name of [`${base}.eml`, base, ...legacy]) {
      // A rerun after a crash here finds some already moved: the state still names them.
      await rename(childPath(dir, name), childPath(aside, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }
  await fsyncPath(aside);
  await fsyncPath(dir);
  await state.recordUidValidity(current);
  return { previousUidValidity: previous, uidValidity: current, previousFilesIn: aside };
}

