/**
 * Sequence sets and UID sets (RFC 3501 §9 sequence-set): "1:3,5,7:*". `*` is the largest
 * number in use, and a range is the same whichever way round it is written, so "5:*" still
 * names the last message when it is below 5 (§6.4.8).
 */

export interface SequenceRange {
  from: number | '*';
  to: number | '*';
}

export class SequenceSetError extends Error {}

export function parseSequenceSet(text: string): SequenceRange[] {
  if (!/^[\d:*,]+$/.test(text)) throw new SequenceSetError(`not a sequence set: ${text}`);
  return text.split(',').map((part) => {
    const bounds = part.split(':');
    if (bounds.length > 2 || bounds.some((b) => b === '')) throw new SequenceSetError(`not a sequence set: ${text}`);
    const [a, b = a] = bounds.map((x) => (x === '*' ? '*' : Number(x))) as [number | '*', (number | '*')?];
    if (a === 0 || b === 0) throw new SequenceSetError(`0 is not a message number: ${text}`);
    return { from: a, to: b };
  });
}

/** Whether `n` is in the set, where `star` is the largest number in use (0 when empty). */
export function inSequenceSet(ranges: readonly SequenceRange[], n: number, star: number): boolean {
  for (const r of ranges) {
    const a = r.from === '*' ? star : r.from;
    const b = r.to === '*' ? star : r.to;
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

/** Compacts ascending numbers to a set ("1:3,7") for COPYUID/APPENDUID. */
export function formatSequenceSet(numbers: readonly number[]): string {
  const out: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  for (const n of numbers) {
    if (start !== undefined && prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    if (start !== undefined && prev !== undefined) out.push(start === prev ? `${start}` : `${start}:${prev}`);
    start = n;
    prev = n;
  }
  if (start !== undefined && prev !== undefined) out.push(start === prev ? `${start}` : `${start}:${prev}`);
  return out.join(',');
}
