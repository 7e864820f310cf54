/** Japanese-aware charset handling: decode as Outlook shows it, encode ISO-2022-JP on request. */
export { charsetFamily, normalizeLabel, type CharsetFamily, type JapaneseFamily } from './labels.js';
export { decodeBytes, type DecodeResult } from './decode.js';
export { decodeIso2022jp, encodeIso2022jp, type Iso2022jpEncoding } from './iso2022jp.js';
export { decodeEucJp } from './eucjp.js';
export { decodeCp932 } from './cp932.js';
export { decodeEncodedWord } from './encoded-word.js';
export { decodeBody, BodyDecodeStream, type BodyPart } from './body.js';
export { sniffCharset, decodeUnlabelled, type SniffedCharset } from './sniff.js';
export { prescanHtmlCharset } from './html-meta.js';
export { encodeIso2022jpWords } from './encode-words.js';
