/**
 * Text bodies → text, one decision for every part: a real charset label is obeyed (through
 * decodeBytes); a part with no label, or one labelled US-ASCII, is sniffed (sniff.ts), after an
 * HTML part's own `<meta>` declaration (html-meta.ts), the order the HTML standard gives for a
 * document whose transport names no charset. Old Japanese mailers and gateways sent ISO-2022-JP
 * that way for years, and non-MIME messages have no label at all.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { decodeBytes, type DecodeResult } from './decode.js';
import { prescanHtmlCharset } from './html-meta.js';
import { normalizeLabel } from './labels.js';
import { decodeUnlabelled } from './sniff.js';

export interface BodyPart {
  /** The MIME charset parameter, if any. */
  charset?: string;
  html: boolean;
}

/** Labels that say nothing beyond "7-bit": the bytes decide. */
const NO_LABEL = new Set(['', 'us-ascii', 'ascii', 'ansi_x3.4-1968', 'us', 'iso646-us', 'csascii']);

/** Decodes one text part's bytes (transfer encoding already undone). Never throws. */
export function decodeBody(bytes: Uint8Array, part: BodyPart): DecodeResult {
  if (!NO_LABEL.has(normalizeLabel(part.charset))) return decodeBytes(bytes, part.charset);
  if (part.html) {
    const declared = prescanHtmlCharset(bytes);
    if (declared !== undefined && !NO_LABEL.has(normalizeLabel(declared))) return decodeBytes(bytes, declared);
  }
  const { text, charset } = decodeUnlabelled(bytes);
  if (charset === 'cp932' || charset === 'euc-jp' || charset === 'windows-1252') {
    const name = charset === 'cp932' ? 'Shift_JIS (CP932)' : charset === 'euc-jp' ? 'EUC-JP' : 'Windows-1252';
    return { text, warning: `8-bit text without a charset label, decoded as ${name}` };
  }
  return { text };
}

/**
 * A stream form of decodeBody for mailparser. The whole part is collected first: ISO-2022-JP is
 * stateful, a CP932 character may straddle chunks, sniffing needs all bytes, and mailparser keeps
 * text bodies in memory anyway.
 */
export class BodyDecodeStream extends Transform {
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly part: BodyPart,
    private readonly onWarning: (warning: string) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }

  override _flush(done: TransformCallback): void {
    const { text, warning } = decodeBody(Buffer.concat(this.chunks), this.part);
    if (warning) this.onWarning(`body: ${warning}`);
    this.push(Buffer.from(text, 'utf8'));
    done();
  }
}
