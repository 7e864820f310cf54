import { PassThrough, type Readable } from 'node:stream';
import { MailParser, type AttachmentStream } from 'mailparser';
import { ConfigError } from '../errors.js';

export interface AttachmentDownload {
  filename?: string;
  contentType: string;
  /** The decoded bytes, streamed as the message is parsed (never the whole message in memory). */
  stream: Readable;
}

/**
 * The `index`-th attachment (0-based, in the order the message lists them) of a raw message
 * stream. Earlier attachments are drained without being kept; the wanted one is handed out
 * as a stream as soon as its headers are parsed.
 */
export function streamAttachment(raw: Readable, index: number): Promise<AttachmentDownload> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser();
    let seen = 0;
    let found = false;
    const fail = (e: unknown): void => {
      raw.destroy();
      reject(e);
    };
    parser.on('data', (part: { type: string } & Partial<AttachmentStream>) => {
      if (part.type !== 'attachment') return;
      const att = part as AttachmentStream;
      if (seen++ !== index || found) {
        att.content.resume();
        att.content.on('end', () => att.release?.());
        return;
      }
      found = true;
      const out = new PassThrough();
      att.content.on('error', (e) => out.destroy(e));
      att.content.on('end', () => att.release?.());
      att.content.pipe(out);
      resolve({ ...(att.filename ? { filename: att.filename } : {}), contentType: att.contentType || 'application/octet-stream', stream: out });
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (!found) {
        reject(new ConfigError({ code: 'ATTACHMENT_NOT_FOUND', field: 'index',
          message: `the message has ${seen} attachment(s); there is no attachment #${index}`,
          hint: 'attachment numbers start at 0, in the order GET …/messages/ID lists them' }));
      }
    });
    raw.on('error', fail);
    raw.pipe(parser);
  });
}
