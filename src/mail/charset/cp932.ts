import iconv from 'iconv-lite';
import { jisToSjis } from './jis.js';

/**
 * CP932 (Windows-31J) through iconv-lite. iconv-lite's `shift_jis` table is CP932 itself
 * (0x8160 → U+FF5E FULLWIDTH TILDE, NEC row 13, IBM extensions), which is what Outlook shows.
 */
export function decodeCp932(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'cp932');
}

/**
 * Collects text from a JIS-family stream: runs of CP932 bytes are decoded together (so a
 * character is never cut), anything decoded another way (JIS X 0212) is appended as text.
 */
export class Cp932TextBuilder {
  private bytes: number[] = [];
  private text = '';

  pushByte(b: number): void {
    this.bytes.push(b);
  }

  /** A JIS X 0208 character given as its two 7-bit bytes. */
  pushJis(j1: number, j2: number): void {
    const [lead, trail] = jisToSjis(j1, j2);
    this.bytes.push(lead, trail);
  }

  pushText(s: string): void {
    this.flush();
    this.text += s;
  }

  toString(): string {
    this.flush();
    return this.text;
  }

  private flush(): void {
    if (this.bytes.length === 0) return;
    this.text += decodeCp932(Uint8Array.from(this.bytes));
    this.bytes = [];
  }
}

/** JIS X 0212 (supplementary kanji) via iconv-lite's EUC-JP table, which has it behind SS3 (0x8F). */
export function decodeJisX0212(j1: number, j2: number): string {
  return iconv.decode(Buffer.from([0x8f, j1 | 0x80, j2 | 0x80]), 'euc-jp');
}
