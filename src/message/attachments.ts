/**
 * Streaming, atomic save of an attachment (or a whole .eml) to disk.
 *
 * The bytes go to a temp file in the target directory (same file system, so the rename is
 * atomic), are fsynced, and only then renamed to a free final name. On any error the temp
 * file is removed, so a dropped connection never leaves a half-written file that looks done.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { StoreError, isMailbridgeError } from '../errors.js';

export interface SavedFile {
  /** Absolute or dir-relative path of the final file, as `join(dir, name)`. */
  path: string;
  /** The sanitized file name actually used (after collision resolution). */
  filename: string;
  size: number;
}

/** Names Windows refuses whatever the extension; refused everywhere so a saved tree copies anywhere. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])\s*(\..*)?$/iu;
const MAX_NAME_BYTES = 200;

/**
 * A file name safe to create in a directory from an untrusted attachment name: no path
 * separators or traversal, no control or shell-hostile characters, no Unicode format
 * characters (bidi overrides such as U+202E make `invoice\u202Efdp.exe` display as `invoice…exe.pdf`,
 * zero-width ones hide characters), no leading dots, not a Windows device name, at most 200
 * UTF-8 bytes (extension kept). Japanese names stay Japanese.
 */
export function sanitizeFilename(name: string | undefined, fallback = 'attachment'): string {
  let s = (name ?? '').normalize('NFC');
  // keep only the last path component: "../../etc/passwd" and "C:\\x\\y.exe" both end up as their base
  s = s.split(/[/\\]/).pop() ?? '';
  s = s
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[<>:"|?*\u2028\u2029]/g, '_')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '');
  if (s === '' || WINDOWS_RESERVED.test(s)) s = s === '' ? fallback : `_${s}`;
  // a cut can leave a trailing dot or space, which Windows drops (two names would become one)
  return truncateUtf8(s, MAX_NAME_BYTES).replace(/[\s.]+$/u, '') || fallback;
}

function truncateUtf8(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const ext = extname(name).slice(0, 20);
  let base = name.slice(0, name.length - ext.length);
  while (Buffer.byteLength(base + ext) > max) base = [...base].slice(0, -1).join('');
  return base + ext;
}

/** `name.ext`, `name (1).ext`, `name (2).ext`, … */
function candidate(name: string, n: number): string {
  if (n === 0) return name;
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)} (${n})${ext}`;
}

/**
 * Writes `stream` to `dir/filename` (sanitized, made unique) atomically; creates `dir`.
 * Resolves to the final path once the data is on disk.
 */
export async function saveAttachmentStream(
  stream: Readable, dir: string, filename: string | undefined, opts: { sync?: boolean } = {},
): Promise<SavedFile> {
  const safe = sanitizeFilename(filename);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new StoreError({
      code: 'SAVE_DIR_FAILED',
      message: `cannot create the directory ${dir}: ${(err as Error).message}`,
      hint: 'choose a directory you can write to',
      field: 'dir',
      cause: err,
    });
  }
  // The temp name holds nothing the sender chose.
  const temp = join(dir, `.mb-${randomBytes(8).toString('hex')}.part`);
  let size = 0;
  try {
    const fh = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      for await (const chunk of stream) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        await fh.write(buf);
        size += buf.length;
      }
      // `sync: false` is for callers that fsync a whole batch of files before they record any
      // of them as saved (bulk fetch): one flush per batch instead of one per file.
      if (opts.sync !== false) await fh.sync();
    } finally {
      await fh.close();
    }
    // link() fails with EEXIST instead of overwriting (rename would replace silently), which
    // is how a collision is found without a check-then-act race.
    for (let n = 0; ; n++) {
      const finalName = candidate(safe, n);
      const finalPath = join(dir, finalName);
      try {
        await link(temp, finalPath);
        await unlink(temp);
        return { path: finalPath, filename: finalName, size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 9999) throw err;
      }
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    stream.destroy();
    if (isMailbridgeError(err)) throw err;
    throw new StoreError({
      code: 'ATTACHMENT_SAVE_FAILED',
      message: `saving ${safe} to ${dir} failed: ${(err as Error).message}; nothing was left behind`,
      hint: 'retry; check free disk space and the connection to the mail server',
      cause: err,
      details: { filename: safe, dir },
    });
  }
}
