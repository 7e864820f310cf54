/**
 * Writing a message (its .eml and, optionally, its attachments) into a directory under the
 * names of message/file-names.ts, so that nothing a server or a sender chose ever becomes a
 * path, and nothing is ever removed that this run did not create:
 * 1. stage: the bytes go to temp names inside the directory (`.mb-<random>.part`, an
 *    attachment folder `.mb-<random>.d.part/`), attachments cut from the staged .eml;
 * 2. sync: every staged file and folder is fsynced (callers batch this step);
 * 3. commit: each staged name is renamed to its final name, then the directory is fsynced.
 * A final .eml already there can only be this same message from a run that crashed before
 * recording it (the name encodes the message), so the rename replaces it; a final attachment
 * folder already there was renamed into place after its files were fsynced, so it is complete
 * and kept (ours is discarded). On failure the staged names of this run are removed, one by one.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, rmdir, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { MailbridgeError, ProtocolError, StoreError } from '../errors.js';
import { childPath, messageBaseName, type MessageKey } from '../message/file-names.js';
import { saveAttachmentStream } from '../message/attachments.js';
import { streamAttachments } from '../message/parse.js';
import { cutFailure } from './cut-attachments.js';
import type { StagePool } from './stage-pool.js';

export interface StagedMessage {
  readonly dir: string;
  /** The final base name: `<base>.eml`, attachments in `<base>/`. */
  readonly base: string;
  readonly emlTemp: string;
  /** Set when attachments were written (to this temp folder). */
  attachmentsTemp?: string;
  /** The attachment files written into attachmentsTemp. */
  readonly attachmentFiles: string[];
  /** The message is kept whole, but it could not be parsed: no attachments were cut from it. */
  failure?: MailbridgeError;
}

export interface CommittedMessage {
  /** The .eml's path. */
  file: string;
  /** The attachments' folder, when the message had any. */
  attachmentsDir?: string;
  attachments: number;
  failure?: MailbridgeError;
}

/**
 * Temp names: a random prefix per process and a counter (one crypto call per process instead of
 * one per message); unique across processes, and O_EXCL refuses any name that exists anyway.
 */
const TEMP_PREFIX = randomBytes(8).toString('hex');
let tempSeq = 0;
const tempName = (suffix: string) => `.mb-${TEMP_PREFIX}-${(++tempSeq).toString(36)}${suffix}`;

/**
 * Writes the message to temp names in `dir` (not yet flushed). With `attachments`, each one is
 * cut from the staged file into a temp folder; a message the parser refuses (MIME_MALFORMED,
 * too many parts, a huge header block) is kept whole and marked with `failure`.
 */
export async function stageMessage(
  raw: Readable,
  dir: string,
  key: MessageKey,
  opts: { attachments: boolean },
): Promise<StagedMessage> {
  const emlTemp = childPath(dir, tempName('.part'));
  const staged: StagedMessage = { dir, base: messageBaseName(key), emlTemp, attachmentFiles: [] };
  try {
    await writeNew(emlTemp, raw);
    if (!opts.attachments) return staged;
    const attachmentsTemp = childPath(dir, tempName('.d.part'));
    try {
      await streamAttachments(createReadStream(emlTemp), async (a) => {
        staged.attachmentsTemp = attachmentsTemp;
        const fallback = `attachment-${staged.attachmentFiles.length + 1}`;
        const saved = await saveAttachmentStream(a.content, attachmentsTemp, a.filename ?? fallback, { sync: false });
        staged.attachmentFiles.push(saved.path);
      });
    } catch (e) {
      // A disk failure stops the caller; a message the parser refuses is this message's problem only.
      if (!(e instanceof ProtocolError)) throw e;
      await removeAttachments(staged);
      staged.failure = e;
    }
    return staged;
  } catch (e) {
    await discardStaged([staged]);
    throw e;
  }
}

/**
 * The same as stageMessage for a message already whole in memory (a bulk fetch's batch), with
 * the writing and cutting done by a stage pool (worker threads), so the caller can go on
 * reading the network meanwhile.
 */
export async function stageBuffer(
  pool: StagePool,
  source: Buffer,
  dir: string,
  key: MessageKey,
  opts: { attachments: boolean },
): Promise<StagedMessage> {
  const emlTemp = childPath(dir, tempName('.part'));
  const staged: StagedMessage = { dir, base: messageBaseName(key), emlTemp, attachmentFiles: [] };
  const attachmentsTemp = opts.attachments ? childPath(dir, tempName('.d.part')) : undefined;
  try {
    const r = await pool.run({
      source,
      emlPath: emlTemp,
      ...(attachmentsTemp ? { attachmentsDir: attachmentsTemp } : {}),
    });
    if (r.files.length > 0) {
      staged.attachmentsTemp = attachmentsTemp;
      staged.attachmentFiles.push(...r.files);
    }
    if (r.failure) {
      await removeAttachments(staged);
      staged.failure = cutFailure(r.failure);
    }
    return staged;
  } catch (e) {
    // what the job wrote before it failed: the .eml, maybe a folder of attachments
    if (attachmentsTemp) await rm(attachmentsTemp, { recursive: true, force: true });
    await discardStaged([staged]);
    throw e;
  }
}

/** Flushes every staged file and folder to disk, all at once. */
export async function syncStaged(staged: readonly StagedMessage[]): Promise<void> {
  const paths = staged.flatMap((s) => [
    s.emlTemp,
    ...s.attachmentFiles,
    ...(s.attachmentsTemp ? [s.attachmentsTemp] : []),
  ]);
  await Promise.all(paths.map(fsyncPath));
}

/**
 * Renames synced staged messages to their final names, then flushes the directories (unless
 * `syncDir: false`, for a fetch that needs no durability because nothing follows the save).
 */
export async function commitStaged(
  staged: readonly StagedMessage[],
  opts: { syncDir?: boolean } = {},
): Promise<CommittedMessage[]> {
  const out: CommittedMessage[] = [];
  const dirs = new Set<string>();
  for (const s of staged) {
    const file = childPath(s.dir, `${s.base}.eml`);
    let attachmentsDir: string | undefined;
    const attachments = s.attachmentFiles.length;
    if (s.attachmentsTemp) {
      attachmentsDir = childPath(s.dir, s.base);
      await rename(s.attachmentsTemp, attachmentsDir).catch(async (e: unknown) => {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        await removeAttachments(s); // an earlier run's complete copy is already in place
      });
    }
    await rename(s.emlTemp, file);
    dirs.add(s.dir);
    out.push({
      file,
      attachments,
      ...(attachmentsDir ? { attachmentsDir } : {}),
      ...(s.failure ? { failure: s.failure } : {}),
    });
  }
  if (opts.syncDir !== false) await Promise.all([...dirs].map(fsyncPath));
  return out;
}

/** Removes what stageMessage wrote (only those names), for a batch that will not be committed. */
export async function discardStaged(staged: readonly StagedMessage[]): Promise<void> {
  for (const s of staged) {
    await removeAttachments(s);
    await unlink(s.emlTemp).catch(ignoreMissing);
  }
}

/** One message: stage, sync, commit (for callers that save messages one at a time). */
export async function saveMessage(
  raw: Readable,
  dir: string,
  key: MessageKey,
  opts: { attachments: boolean },
): Promise<CommittedMessage> {
  const staged = await stageMessage(raw, dir, key, opts);
  try {
    await syncStaged([staged]);
  } catch (e) {
    await discardStaged([staged]);
    throw e;
  }
  const [done] = await commitStaged([staged]);
  return done as CommittedMessage;
}

async function removeAttachments(s: StagedMessage): Promise<void> {
  for (const f of s.attachmentFiles.splice(0)) await unlink(f).catch(ignoreMissing);
  if (s.attachmentsTemp) await rmdir(s.attachmentsTemp).catch(ignoreMissing);
  delete s.attachmentsTemp;
}

function ignoreMissing(e: NodeJS.ErrnoException): void {
  if (e.code !== 'ENOENT') throw e;
}

/** Streams to a name that must not exist yet (O_EXCL: never through a planted file or link). */
async function writeNew(path: string, stream: Readable): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o600);
  } catch (e) {
    stream.destroy();
    throw new StoreError({
      code: 'SAVE_DIR_FAILED',
      message: `cannot write in ${path.slice(0, path.lastIndexOf('/'))}: ${(e as Error).message}`,
      hint: 'choose a directory you can write to',
      field: 'dir',
      cause: e,
    });
  }
  try {
    for await (const chunk of stream) await fh.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  } finally {
    await fh.close();
  }
}

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
