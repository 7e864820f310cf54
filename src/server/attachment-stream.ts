import { PassThrough, type Readable } from 'node:stream';
import { ConfigError } from '../errors.js';
import { streamAttachments } from '../message/parse.js';

export interface AttachmentDownload {
  filename?: string;
  contentType: string;
  /** The decoded bytes, streamed as the message is parsed (never the whole message in memory). */
  stream: Readable;
}

/** Resolves when a stream has ended or failed, so the parser moves on to the next part. */
function finished(s: Readable): Promise<void> {
  return new Promise((resolve) => {
    s.once('end', resolve);
    s.once('error', () => resolve());
    s.once('close', resolve);
  });
}

/**
 * The `index`-th attachment (0-based, in the order the message lists them) of a raw message
 * stream. Earlier attachments are drained without being kept; the wanted one is handed out
 * as a stream as soon as its headers are parsed. File names are decoded by message/parse.ts, as
 * for GET …/messages/ID (raw JIS or Shift_JIS names included).
 */
export function streamAttachment(raw: Readable, index: number): Promise<AttachmentDownload> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let found = false;
    streamAttachments(raw, async (att) => {
      if (seen++ !== index || found) {
        att.content.resume();
        return finished(att.content);
      }
      found = true;
      const out = new PassThrough();
      att.content.on('error', (e) => out.destroy(e));
      att.content.pipe(out);
      // a client that goes away must not stall the parser on an unread part
      out.once('close', () => att.content.resume());
      resolve({
        ...(att.filename ? { filename: att.filename } : {}),
        contentType: att.contentType || 'application/octet-stream',
        stream: out,
      });
      return finished(att.content);
    }).then(() => {
      if (!found) {
        reject(new ConfigError({ code: 'ATTACHMENT_NOT_FOUND', field: 'index',
          message: `the message has ${seen} attachment(s); there is no attachment #${index}`,
          hint: 'attachment numbers start at 0, in the order GET …/messages/ID lists them' }));
      }
    }, (err: unknown) => {
      raw.destroy();
      reject(err);
    });
  });
}
