/**
 * Charset labels → the decoder Outlook effectively uses for them.
 *
 * Real Japanese mail is labelled with the standard names (ISO-2022-JP, Shift_JIS, EUC-JP) but
 * written by Windows software in Microsoft's supersets of them (CP50220/50221, CP932, CP51932),
 * and Outlook decodes every label of a family with the superset. So do we: a strict JIS X 0208
 * decoder would turn ① ㈱ ㍻ 髙 﨑 into U+FFFD.
 */
export type JapaneseFamily = 'iso-2022-jp' | 'cp932' | 'euc-jp';
export type CharsetFamily = JapaneseFamily | 'utf-8' | 'other';

const FAMILY_BY_LABEL: ReadonlyMap<string, CharsetFamily> = new Map<string, CharsetFamily>([
  // ISO-2022-JP and its extensions; -1/-2/-3/-2004 carry more sets but the JIS X 0208 part
  // (what Japanese mailers actually send under these labels) decodes the same way.
  ...[
    'iso-2022-jp', 'csiso2022jp', 'iso2022jp', 'iso-2022-jp-1', 'iso-2022-jp-2', 'csiso2022jp2',
    'iso-2022-jp-3', 'iso-2022-jp-2004', 'iso-2022-jp-ms', 'jis', 'jis7', 'x-jis', 'cp50220', 'cp50221',
    'cp50222', 'csiso2022jpms',
  ].map((l) => [l, 'iso-2022-jp'] as const),
  ...[
    'shift_jis', 'shift-jis', 'shiftjis', 'sjis', 'x-sjis', 's-jis', 'x-shift_jis', 'x-shift-jis', 'ms_kanji',
    'ms-kanji', 'mskanji', 'csshiftjis', 'windows-31j', 'windows31j', 'cswindows31j', 'cp932', 'ms932',
    'windows-932', 'x-ms-cp932', 'ibm-943', 'shift_jisx0213', 'shift_jis-2004',
  ].map((l) => [l, 'cp932'] as const),
  ...[
    'euc-jp', 'eucjp', 'x-euc-jp', 'x-euc', 'cseucpkdfmtjapanese', 'euc-jp-ms', 'eucjp-ms', 'eucjpms', 'cp51932',
    'euc-jis-2004', 'euc-jisx0213', 'ujis',
  ].map((l) => [l, 'euc-jp'] as const),
  ...['utf-8', 'utf8', 'us-ascii', 'ascii', 'ansi_x3.4-1968', '7bit', '8bit'].map((l) => [l, 'utf-8'] as const),
]);

/** Lower-cases and strips quotes/space so `"Shift_JIS "` and `shift_jis` match. */
export function normalizeLabel(label: string | undefined): string {
  return (label ?? '').trim().replace(/^["']|["']$/g, '').trim().toLowerCase();
}

/** The decoder family a charset label belongs to; unknown labels are `other`. */
export function charsetFamily(label: string | undefined): CharsetFamily {
  const name = normalizeLabel(label);
  if (name === '') return 'utf-8';
  return FAMILY_BY_LABEL.get(name) ?? 'other';
}
