import { mkdir, rename, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { childPath, labelledName, messageBaseName, type MessageKey } from '../message/file-names.js';
import { FetchState } from './fetch-state.js';
import { formatAfterAction, type AfterAction } from '../message/after-action.js';
import type { Mailbox } from './mailbox.js';
import type { MessageFilter } from '../message/filter.js';
import {
  commitStaged,
  discardStaged,
  fsyncPath,
  stageBuffer,
  stageMessage,
  syncStaged,
  type StagedMessage,
} from './message-files.js';
import { createStagePool, type StagePool } from './stage-pool.js';

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
  /**
   * Save the .eml files only, cut no attachments (the fastest path; `get --save-attachments`
   * or `get --save` cut them later).
   */
  raw?: boolean;
  /** Called after each message, for a progress display; `bytes` counts the sources fetched so far. */
  onProgress?: (p: { done: number; total: number; id: string; bytes: number }) => void;
  /** Messages per batch (default 200): what a crash redoes at most, and one after-action command each. */
  batchSize?: number;
  /** Worker threads that cut attachments (default: the cores available, at most 4; 0: none). */
  workers?: number;
  /**
   * Test hook: runs before a batch's files are flushed (only when an after-action follows). A
   * failure here stops the fetch like a failing disk would.
   */
  beforeSync?: (ids: readonly string[]) => Promise<void> | void;
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

/** Messages per batch: one UID FETCH, one fsync round and one after-action command each. */
const BATCH = 200;
/** Bytes of sources handed to the stage pool and not yet written: bounds memory whatever the batch. */
const IN_FLIGHT_BYTES = 48 * 2 ** 20;
/** Messages above this size are streamed one at a time (never whole in memory). */
const STREAMED_ABOVE = 16 * 2 ** 20;

/**
 * Saves every matching message to `dir` as .eml plus its attachments, then runs the
 * after-processing action for it. Resumable: a state file records what is saved and what was
 * processed, so a rerun after a crash neither loses a message (the action never runs before
 * the save is on disk) nor saves one twice.
 *
 * Batches are pipelined: while one batch is flushed to disk (files, then the directory),
 * recorded and acted on (one command for the whole batch, e.g. `UID MOVE 1:200`), the next is
 * already streaming in (IMAP: one `UID FETCH` per batch) and being cut by worker threads.
 * With `after: leave` nothing depends on the save, so nothing is fsynced but the final state.
 */
export async function fetchToDirectory(o: FetchToDirectoryOptions): Promise<FetchReport> {
  const folder = o.folder ?? 'INBOX';
  const after = o.after ?? { kind: 'leave' };
  const durable = after.kind !== 'leave';
  await mkdir(o.dir, { recursive: true });
  const state = await FetchState.load(o.dir, o.mailbox.resource, folder);
  const restarted = await checkUidValidity(o.mailbox, state, o.dir, folder);
  const key = (id: string): MessageKey => ({
    folder,
    id,
    ...(state.uidValidity !== undefined ? { validity: state.uidValidity } : {}),
  });
  const listOpts = {
    folder,
    ...(o.filter ? { filter: o.filter } : {}),
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
  };
  const found = o.mailbox.listIds
    ? await o.mailbox.listIds(listOpts, STREAMED_ABOVE)
    : (await o.mailbox.list(listOpts)).map((m) => ({ id: m.id, large: m.size > STREAMED_ABOVE }));
  const report: FetchReport = {
    matched: found.length,
    saved: 0,
    skipped: 0,
    attachments: 0,
    processed: 0,
    after: formatAfterAction(after),
    ...(restarted ? { restarted } : {}),
    failed: [],
  };
  // Cut from the MIME source whatever the protocol (POP3, EWS and Graph give the same RFC 5322 bytes).
  const attachments = !o.raw;
  // Without attachments to cut, a stage is one file write: the calling thread does it (starting
  // worker threads would cost more than it saves).
  const concurrent = (o.mailbox.rawConcurrency ?? 1) > 1;
  const pool = o.mailbox.rawMany || concurrent ? createStagePool(attachments ? o.workers : 0) : undefined;
  let done = 0;
  let bytes = 0;
  const progress = (id: string, size: number) => {
    bytes += size;
    o.onProgress?.({ done: ++done, total: found.length, id, bytes });
  };

  // Sources handed to the stage pool and not yet written, across batches: bounds memory.
  const inFlight: Array<{ size: number; job: Promise<unknown> }> = [];
  let pending = 0;

  /**
   * Streams the batch's sources in and hands them to the stage pool. Returns once the network
   * part is done (the batch's UID FETCH, then the big messages one at a time), with the writes
   * possibly still running: the next batch's FETCH starts at once instead of after the last
   * writes (a pause of the socket at every batch boundary, ~4 % of a `fetch --raw`). The
   * promise it returns settles with the staged batch; on failure it removes what it staged.
   */
  const stageBatch = async (
    toSave: ReadonlyArray<{ id: string; large: boolean }>,
  ): Promise<{ settled: Promise<Map<string, StagedMessage>> }> => {
    const staged = new Map<string, StagedMessage>();
    const jobs: Array<Promise<unknown>> = [];
    const fail = async (e: unknown): Promise<never> => {
      await Promise.allSettled(jobs);
      await discardStaged([...staged.values()]);
      throw e;
    };
    try {
      const small = pool && o.mailbox.rawMany ? toSave.filter((m) => !m.large) : [];
      if (small.length > 0 && pool && o.mailbox.rawMany) {
        for await (const m of o.mailbox.rawMany(
          small.map((s) => s.id),
          { folder },
        )) {
          const size = m.source.length;
          const job = stageBuffer(pool, m.source, o.dir, key(m.id), { attachments }).then((s) => {
            staged.set(m.id, s);
            progress(m.id, size);
          });
          job.catch(() => undefined); // awaited below (Promise.all), or by fail()
          jobs.push(job);
          inFlight.push({ size, job });
          pending += size;
          // Backpressure: the socket waits (TCP does the rest) while the pool is behind.
          while (pending > IN_FLIGHT_BYTES && inFlight.length > 0) {
            const first = inFlight.shift() as { size: number; job: Promise<unknown> };
            pending -= first.size;
            await first.job;
          }
        }
      }
      const rest = toSave.filter((m) => !small.includes(m));
      // Streamed one by one, or a few at once where each raw() is a request of its own (Graph):
      // while one source waits on the server, another is written and cut.
      let next = 0;
      let failure: { error: unknown } | undefined;
      const lane = async () => {
        while (!failure && next < rest.length) {
          const m = rest[next++] as { id: string; large: boolean };
          try {
            const raw = await o.mailbox.raw(m.id, { folder });
            // Where raw() is a request of its own (Graph), a source that ends within the
            // streaming threshold goes to the stage pool like a rawMany one (cut in a worker
            // thread); a longer one is streamed on, never whole in memory.
            const head = pool && concurrent && !m.large ? await readUpTo(raw, STREAMED_ABOVE) : undefined;
            const s =
              head && 'whole' in head
                ? await stageBuffer(pool as StagePool, head.whole, o.dir, key(m.id), { attachments })
                : await stageMessage(head ? head.stream : raw, o.dir, key(m.id), { attachments });
            staged.set(m.id, s);
            progress(m.id, (await stat(s.emlTemp)).size);
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      const lanes = Math.min(rest.length, Math.max(1, o.mailbox.rawConcurrency ?? 1));
      await Promise.all(Array.from({ length: lanes }, lane));
      if (failure) throw failure.error;
    } catch (e) {
      return fail(e);
    }
    const settled = Promise.all(jobs).then(
      () => staged,
      (e: unknown) => fail(e),
    );
    settled.catch(() => undefined); // handled by the commit chain
    return { settled };
  };

  /** Flush (when an action follows), rename into place, record, act on the batch, record. */
  const commitBatch = async (
    open: readonly string[],
    toSave: readonly string[],
    staged: Map<string, StagedMessage>,
  ) => {
    const order = toSave.filter((id) => staged.has(id));
    const list = order.map((id) => staged.get(id) as StagedMessage);
    if (durable) {
      try {
        await o.beforeSync?.(order);
        await syncStaged(list);
      } catch (e) {
        await discardStaged(list);
        throw e;
      }
    }
    const committed = await commitStaged(list, { syncDir: durable });
    const failed = new Set<string>();
    committed.forEach((c, n) => {
      const id = order[n] as string;
      report.attachments += c.attachments;
      if (!c.failure) return;
      failed.add(id);
      report.failed.push({ id, file: c.file, code: c.failure.code, message: c.failure.message });
    });
    const saved = order.filter((id) => !failed.has(id));
    if (saved.length > 0) await state.markSaved(saved, { sync: durable });
    report.saved += saved.length;
    // Never the after-action for a message kept unparsed (it stays on the server for a later
    // run), nor for one the server no longer had (expunged meanwhile: nothing was saved).
    const missing = new Set(toSave.filter((id) => !staged.has(id)));
    const ready = open.filter((id) => !failed.has(id) && !missing.has(id));
    if (ready.length > 0) {
      await o.mailbox.afterProcessing(ready, after, { folder });
      await state.markProcessed(ready, { sync: durable });
      if (after.kind !== 'leave') report.processed += ready.length;
    }
  };

  // The commit chain: batch n commits after batch n-1 (state and after-actions in order).
  let committing: Promise<void> | undefined;
  const chain = { failed: false }; // set by the chain's catch, read between batches
  try {
    const size = Math.max(1, o.batchSize ?? BATCH);
    for (let i = 0; i < found.length && !chain.failed; i += size) {
      const batch = found.slice(i, i + size);
      const open = batch.filter((m) => !state.isProcessed(m.id));
      report.skipped += batch.length - open.length;
      for (const m of batch) if (state.isProcessed(m.id)) progress(m.id, 0);
      const toSave = open.filter((m) => !state.isSaved(m.id));
      for (const m of open) if (state.isSaved(m.id)) progress(m.id, 0);
      let settled: Promise<Map<string, StagedMessage>>;
      try {
        ({ settled } = await stageBatch(toSave.map((m) => ({ id: m.id, large: m.large }))));
      } catch (e) {
        // the batches before are still committing: let them finish (they are sound), then stop
        await committing?.catch(() => undefined);
        throw e;
      }
      const before = committing;
      const ids = toSave.map((m) => m.id);
      committing = (async () => {
        let staged: Map<string, StagedMessage>;
        try {
          staged = await settled;
        } catch (e) {
          await before?.catch(() => undefined);
          throw e;
        }
        try {
          await before;
        } catch (e) {
          await discardStaged([...staged.values()]);
          throw e;
        }
        await commitBatch(
          open.map((m) => m.id),
          ids,
          staged,
        );
      })();
      committing.catch(() => {
        chain.failed = true;
      });
      // At most one batch committing while the next one streams in (as before): an
      // after-action never falls further behind the fetch than that.
      if (before) await before.catch(() => undefined);
    }
    await committing;
  } finally {
    await pool?.close();
  }
  await state.checkpoint();
  return report;
}

/**
 * IMAP ids are UIDs, which mean something only under the folder's UIDVALIDITY. When it
 * changed, skipping "already fetched" UIDs would silently skip other messages: the folder
 * starts over instead, and the earlier files move aside (kept, never overwritten).
 */
async function checkUidValidity(
  mailbox: Mailbox,
  state: FetchState,
  dir: string,
  folder: string,
): Promise<FetchReport['restarted']> {
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

/**
 * The stream whole when it ends within `limit` bytes; else a stream of the same bytes (what was
 * read, then the rest), so the caller can still write it out without holding it in memory.
 */
async function readUpTo(raw: Readable, limit: number): Promise<{ whole: Buffer } | { stream: Readable }> {
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const r = await it.next();
    if (r.done) return { whole: Buffer.concat(chunks, size) };
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) break;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* chunks;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    }
  }
  return { stream: Readable.from(rest()) };
}
