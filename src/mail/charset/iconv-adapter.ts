/**
 * A node-iconv compatible `Iconv` class for mailparser's `Iconv` option, so text bodies are
 * decoded by decodeBytes instead of libmime/encoding-japanese. mailparser uses it as a stream
 * (`new Iconv(charset, 'UTF-8//TRANSLIT//IGNORE')`, write/end, 'data'/'end' events) for every
 * text part whose charset is not ASCII/UTF-8.
 *
 * The whole part is collected before decoding: ISO-2022-JP is stateful and a CP932 character
 * may straddle chunks, and mailparser keeps text bodies in memory anyway.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { decodeBytes } from './decode.js';

export interface IconvLike extends Transform {
  /** node-iconv's synchronous form. */
  convert(input: Buffer | string): Buffer;
}
export type IconvClass = new (fromCharset: string, toCharset: string) => IconvLike;

/** Builds an Iconv class whose decode warnings go to `onWarning` (one class per parse). */
export function createIconvClass(onWarning: (warning: string) => void): IconvClass {
  return class MailbridgeIconv extends Transform implements IconvLike {
    private readonly chunks: Buffer[] = [];
    private readonly fromCharset: string;

    constructor(fromCharset: string, toCharset: string) {
      super();
      // mailparser always asks for UTF-8; anything else would be a misuse worth failing on.
      if (!/^utf-?8/i.test(toCharset)) throw new TypeError(`only conversion to UTF-8 is supported, not ${toCharset}`);
      this.fromCharset = fromCharset;
    }

    convert(input: Buffer | string): Buffer {
      return Buffer.from(this.decode(Buffer.isBuffer(input) ? input : Buffer.from(input, 'binary')), 'utf8');
    }

    override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      this.chunks.push(Buffer.from(chunk));
      done();
    }

    override _flush(done: TransformCallback): void {
      this.push(Buffer.from(this.decode(Buffer.concat(this.chunks)), 'utf8'));
      done();
    }

    private decode(buf: Buffer): string {
      const { text, warning } = decodeBytes(buf, this.fromCharset);
      if (warning) onWarning(`body: ${warning}`);
      return text;
    }
  };
}
