import { open, readFile, rename } from 'node:fs/promises';
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

/** Which messages a fetch into one directory has finished, persisted after every step. */
export class FetchState {
  readonly #path: string;
  readonly #data: FetchStateData;
  readonly #saved: Set<string>;
  readonly #processed: Set<string>;

  private constructor(path: string, data: FetchStateData) {
    this.#path = path;
    this.#data = data;
    this.#saved = new Set(data.saved);
    this.#processed = new Set(data.processed);
  }

  /** Loads the directory's state, or starts one; a state from another resource/folder is refused. */
  static async load(dir: string, resource: string, folder: string): Promise<FetchState> {
    const path = join(dir, FETCH_STATE_FILE);
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (text === undefined) return new FetchState(path, { version: 1, resource, folder, saved: [], processed: [] });
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
    return new FetchState(path, r.data);
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
    await this.#write();
  }

  isSaved(id: string): boolean {
    return this.#saved.has(id);
  }

  isProcessed(id: string): boolean {
    return this.#processed.has(id);
  }

  async markSaved(id: string): Promise<void> {
    this.#saved.add(id);
    await this.#write();
  }

  async markProcessed(id: string): Promise<void> {
    this.#processed.add(id);
    await this.#write();
  }

  /** Temp file, fsync, rename: a crash leaves the old state or the new one, never a torn one. */
  async #write(): Promise<void> {
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
  }
}
