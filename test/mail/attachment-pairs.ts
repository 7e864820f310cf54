/**
 * Comparing what a fetch cut out of a message with what `get` lists for it: both as
 * [file name, content in hex] pairs, sorted, so two lists compare with deepEqual.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sanitizeFilename } from '../../src/message/attachments.js';
import { parseMessage } from '../../src/message/parse.js';

export type AttachmentPair = [name: string, hex: string];

/** Every attachment `get` would list for the source, named as fetch names its files. */
export async function expectedAttachments(source: Buffer): Promise<AttachmentPair[]> {
  const parsed = await parseMessage(source);
  return parsed.attachments.map((a, i) => [
    sanitizeFilename(a.filename, `attachment-${i + 1}`),
    a.content.toString('hex'),
  ]);
}

/** The files in `dir` (none when it does not exist). */
export async function savedAttachments(dir: string): Promise<AttachmentPair[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (n): Promise<AttachmentPair> => [n, (await readFile(join(dir, n))).toString('hex')]),
  );
}

export const sortPairs = (xs: AttachmentPair[]): AttachmentPair[] =>
  [...xs].sort((a, b) => (a[0] + a[1]).localeCompare(b[0] + b[1]));
