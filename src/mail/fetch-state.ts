import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** The resume file a bulk fetch keeps in its target directory. */
export const FETCH_STATE_FILE = '.mailbridge-fetch.json';

const stateSchema = z.object({
  version: z.literal(1),
  resource: z.string(),
  folder: z.string(),
  /**
   * The folder's IMAP UIDVALIDITY when the ids below were recorded (absent for POP3, whose
   * UIDLs are permanent, and in files written before it was kept).
   */
  uidValidity: z.string().optional(),
  /** Messages whose .eml and attachments are on disk and fsynced. */
  saved: z.array(z.string()),
  /** Messages whose after-processing action ran too: nothing left to do for them. */
  processed: z.array(z.string()),
});
export type FetchStateData = z.infer<typeof stateSchema>;

/** One line of the journal: a step finished for one message since the last snapshot. */
const journalLineSchema = z.union([z.strictObject({ saved: z.string() }), z.strictObject({ processed: z.string() })]);

/**
 * Which messages a fetch into one directory has finished. Every step is appended to a
 * journal and fsynced before the next step starts (O(1) per message, where rewriting the
 * whole state each time grew with the square of the folder); `load` folds the journal into
 * the JSON snapshot. A line torn by a crash is ignored: that step is simply done again.
 */
export class FetchState {
  readonly #path: string;
  readonly #journalPath: string;
  readonly #data: FetchStateData;
  readonly #saved: Set<string>;
  readonly #processed: Set<string>;

  private constructor(path: string, data: FetchStateData) {
    this.#path = path;
    this.#journalPath = `${path}.journal`;
    this.#data = data;
    this.#saved = new Set(data.saved);
    this.#processed = new Set(data.processed);
  }

  /** Loads the directory's state, or starts one; a state from another resource/folder is refused. */
  static async load(dir: string, resource: string, folder: string): Promise<FetchState> {
    const path = join(dir, FETCH_STATE_FILE);
    const text = await readIfThere(path);
    if (text === undefined) {
      // The snapshot is written at once: the journal only ever extends a snapshot on disk
      // (and a journal left without one, from a state someone deleted, is dropped here).
      const fresh = new FetchState(path, { version: 1, resource, folder, saved: [], processed: [] });
      await fresh.#writeSnapshot();
      return fresh;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const r = stateSchema.safeParse(parsed);
    if (!r.success) {
      throw new ConfigError({
        code: 'FETCH_STATE_INVALID',
        message: `${path} is not a mailbridge fetch state file`,
        hint: 'fetch into an empty directory, or delete that file to start over (messages already saved would be fetched again)',
        field: 'save',
      });
    }
    if (r.data.resource !== resource || r.data.folder !== folder) {
      throw new ConfigError({
        code: 'FETCH_STATE_MISMATCH',
        message: `${dir} holds a fetch of ${r.data.resource} folder ${r.data.folder}, not ${resource} folder ${folder}`,
        hint: 'use one directory per resource and folder',
        field: 'save',
      });
    }
    const state = new FetchState(path, r.data);
    const journal = await readIfThere(state.#journalPath);
    if (journal !== undefined) {
      for (const line of journal.split('\n')) state.#replay(line);
      await state.#writeSnapshot();
    }
    return state;
  }

  get uidValidity(): string | undefined {
    return this.#data.uidValidity;
  }

  /** Ids whose files an earlier run wrote, for moving them aside when the folder starts over. */
  savedIds(): string[] {
    return [...this.#saved];
  }

  /**
   * Records the folder's UIDVALIDITY. When it differs from the recorded one, every id
   * recorded so far names another message, so they are forgotten: the folder is new.
   */
  async recordUidValidity(uidValidity: string): Promise<void> {
    if (this.#data.uidValidity === uidValidity) return;
    if (this.#data.uidValidity !== undefined) {
      this.#saved.clear();
      this.#processed.clear();
    }
    this.#data.uidValidity = uidValidity;
    await this.#writeSnapshot();
  }

  isSaved(id: string): boolean {
    return this.#saved.has(id);
  }

  isProcessed(id: string): boolean {
    return this.#processed.has(id);
  }

  /**
   * Records messages as saved: one journal write and one fsync for the whole batch. `sync:
   * false` (a fetch that leaves the messages on the server) skips the fsync, as it skipped the
   * files' own; the final checkpoint is fsynced either way.
   */
  async markSaved(ids: readonly string[], opts: { sync?: boolean } = {}): Promise<void> {
    for (const id of ids) this.#saved.add(id);
    await this.#append(ids.map((id) => ({ saved: id })), opts.sync !== false);
  }

  async markProcessed(ids: readonly string[], opts: { sync?: boolean } = {}): Promise<void> {
    for (const id of ids) this.#processed.add(id);
    await this.#append(ids.map((id) => ({ processed: id })), opts.sync !== false);
  }

  /** Folds the journal into the snapshot (end of a run): the directory holds one readable file. */
  async checkpoint(): Promise<void> {
    await this.#writeSnapshot();
  }

  #replay(line: string): void {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return; // torn by a crash: the step it recorded was not durable, so it runs again
    }
    const r = journalLineSchema.safeParse(value);
    if (!r.success) return;
    if ('saved' in r.data) this.#saved.add(r.data.saved);
    else this.#processed.add(r.data.processed);
  }

  async #append(entries: z.infer<typeof journalLineSchema>[], sync: boolean): Promise<void> {
    if (entries.length === 0) return;
    const fh = await open(this.#journalPath, 'a', 0o600);
    try {
      await fh.appendFile(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      if (sync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Temp file, fsync, rename, then the journal goes: a crash leaves old or new state, never a torn one. */
  async #writeSnapshot(): Promise<void> {
    const data: FetchStateData = { ...this.#data, saved: [...this.#saved], processed: [...this.#processed] };
    const tmp = `${this.#path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify(data)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#path);
    await rm(this.#journalPath, { force: true });
  }
}

async function readIfThere(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}
