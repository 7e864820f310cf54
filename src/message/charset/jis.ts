/**
 * JIS X 0208 row/cell → Shift_JIS byte arithmetic. Shift_JIS is a reversible re-arrangement of
 * the 94×94 JIS plane, so converting JIS (ISO-2022-JP, EUC-JP) to Shift_JIS bytes and decoding
 * those with the CP932 table gives Microsoft's CP50221/CP51932 behaviour for free, including
 * NEC row 13 (①, ㈱, ㍻) and the NEC-selected IBM extension rows 89–92 (髙, 﨑).
 */

/** JIS bytes 0x21–0x7E (j1, j2) → Shift_JIS lead/trail. */
export function jisToSjis(j1: number, j2: number): [number, number] {
  const lead = ((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0);
  const trail = j1 & 1 ? j2 + (j2 >= 0x60 ? 0x20 : 0x1f) : j2 + 0x7e;
  return [lead, trail];
}
