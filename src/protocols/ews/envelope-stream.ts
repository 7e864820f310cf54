/**
 * GetStreamingEvents answers with one HTTP response that stays open: Exchange writes one whole
 * SOAP envelope per chunk as events happen (and keep-alives when quiet), so the body is a run
 * of XML documents, not one. This cuts the byte stream into those documents as they complete,
 * each then parsed by the same parser as every other EWS answer (soap.ts). fast-xml-parser reads
 * whole documents only, hence this small splitter: an envelope ends at its closing
 * `</prefix:Envelope>` tag, which cannot occur inside element text (a `<` in text is escaped).
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-stream-notifications-about-mailbox-events-by-using-ews-in-exchange
 */
import { StringDecoder } from 'node:string_decoder';

const END_TAG = /<\/(?:[A-Za-z_][\w.-]*:)?Envelope\s*>/g;

export class EnvelopeSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';

  /** @param maxPendingChars an envelope not complete within this many characters is refused (a hostile or broken server). */
  constructor(readonly maxPendingChars: number) {}

  /** The envelopes completed by this chunk, in order. */
  push(chunk: Buffer): string[] {
    this.#buffer += this.#decoder.write(chunk);
    const out: string[] = [];
    let start = 0;
    END_TAG.lastIndex = 0;
    for (let m = END_TAG.exec(this.#buffer); m; m = END_TAG.exec(this.#buffer)) {
      const end = m.index + m[0].length;
      const doc = this.#buffer.slice(start, end).trim();
      if (doc) out.push(doc);
      start = end;
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > this.maxPendingChars)
      throw new RangeError(`an envelope of the event stream is larger than ${this.maxPendingChars} characters`);
    return out;
  }

  /** Text left after the last complete envelope (a stream cut mid-envelope leaves some). */
  get pending(): string {
    return this.#buffer.trim();
  }
}
