import { createReadStream, mkdirSync, writeFileSync, unlinkSync, copyFileSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/** Where raw messages live: a Map in memory, or one file per message under `dataDir/messages`. */
export interface BlobStore {
  put(key: string, raw: Buffer): void;
  read(key: string): Promise<Buffer>;
  stream(key: string): Readable;
  copy(from: string, to: string): void;
  rename(from: string, to: string): void;
  remove(key: string): void;
}

/** Slices of this size keep a streamed in-memory message from going out as one huge write. */
const CHUNK = 64 * 1024;

export function memoryBlobs(): BlobStore {
  const blobs = new Map<string, Buffer>();
  const get = (key: string): Buffer => {
    const b = blobs.get(key);
    if (!b) throw new Error(`message blob ${key} is gone`);
    return b;
  };
  return {
    put: (key, raw) => void blobs.set(key, raw),
    read: async (key) => get(key),
    stream(key) {
      const b = get(key);
      return Readable.from((function* () {
        for (let i = 0; i < b.length; i += CHUNK) yield b.subarray(i, i + CHUNK);
      })());
    },
    copy: (from, to) => void blobs.set(to, get(from)),
    rename(from, to) {
      blobs.set(to, get(from));
      blobs.delete(from);
    },
    remove: (key) => void blobs.delete(key),
  };
}

export function diskBlobs(dir: string): BlobStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Two-character shards keep directories small with 10,000s of messages.
  const path = (key: string): string => join(dir, key.slice(0, 2), `${key}.eml`);
  const ensure = (key: string): string => {
    const p = path(key);
    mkdirSync(join(dir, key.slice(0, 2)), { recursive: true, mode: 0o700 });
    return p;
  };
  return {
    put: (key, raw) => writeFileSync(ensure(key), raw, { mode: 0o600 }),
    read: (key) => readFile(path(key)),
    stream: (key) => createReadStream(path(key), { highWaterMark: CHUNK }),
    copy: (from, to) => copyFileSync(path(from), ensure(to)),
    rename: (from, to) => renameSync(path(from), ensure(to)),
    remove(key) {
      try {
        unlinkSync(path(key));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    },
  };
}
