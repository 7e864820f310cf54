/**
 * Graph's isRead / flag / categories live in the store as IMAP flags, so IMAP and EWS see them:
 * isRead ↔ \Seen, flagStatus flagged ↔ \Flagged, complete ↔ the `$Completed` keyword, and each
 * category is a keyword. IMAP keywords are atoms, so a category's spaces and specials are
 * written as `~XX` (hex) and read back.
 */
export type FlagStatus = 'notFlagged' | 'flagged' | 'complete';

const COMPLETED = '$Completed';

export function encodeCategory(category: string): string {
  return Array.from(Buffer.from(category, 'utf8'))
    .map((b) => (/[A-Za-z0-9_.-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `~${b.toString(16).padStart(2, '0').toUpperCase()}`))
    .join('');
}

export function decodeCategory(keyword: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < keyword.length; i++) {
    const hex = keyword[i] === '~' ? /^[0-9A-F]{2}$/i.exec(keyword.slice(i + 1, i + 3)) : null;
    if (hex) { bytes.push(parseInt(hex[0], 16)); i += 2; } else bytes.push(keyword.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

const isCategoryKeyword = (f: string): boolean => !f.startsWith('\\') && !f.startsWith('$');

export function categoriesOf(flags: ReadonlySet<string>): string[] {
  return [...flags].filter(isCategoryKeyword).map(decodeCategory);
}

export function flagStatusOf(flags: ReadonlySet<string>): FlagStatus {
  if (flags.has('\\Flagged')) return 'flagged';
  return flags.has(COMPLETED) ? 'complete' : 'notFlagged';
}

/** The new flag set after a Graph PATCH of isRead / flag / categories. */
export function patchFlags(
  flags: ReadonlySet<string>,
  patch: { isRead?: boolean; flagStatus?: FlagStatus; categories?: string[] },
): Set<string> {
  const out = new Set(flags);
  if (patch.isRead !== undefined) { if (patch.isRead) out.add('\\Seen'); else out.delete('\\Seen'); }
  if (patch.flagStatus !== undefined) {
    out.delete('\\Flagged');
    out.delete(COMPLETED);
    if (patch.flagStatus === 'flagged') out.add('\\Flagged');
    if (patch.flagStatus === 'complete') out.add(COMPLETED);
  }
  if (patch.categories !== undefined) {
    for (const f of [...out]) if (isCategoryKeyword(f)) out.delete(f);
    for (const c of patch.categories) out.add(encodeCategory(c));
  }
  return out;
}
