/** IMAP flags (RFC 3501 §2.3.2): system flags keep their canonical case; keywords as given. */
const SYSTEM = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];
const CANONICAL = new Map(SYSTEM.map((f) => [f.toLowerCase(), f]));

export const PERMANENT_FLAGS = `${SYSTEM.join(' ')}`;

/** A client's flag in canonical form; undefined for \Recent and other flags it may not set. */
export function canonicalFlag(flag: string): string | undefined {
  if (flag.startsWith('\\')) return CANONICAL.get(flag.toLowerCase());
  return /^[^\s(){%*"\\\]]+$/.test(flag) ? flag : undefined;
}

/** The flags as a space-separated list for FLAGS (...). */
export function flagList(flags: Iterable<string>): string {
  return [...flags].join(' ');
}
