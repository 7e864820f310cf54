import type { Folder, StoredMessage } from '../../contract.js';
import type { MetaCache } from '../meta.js';
import { bodyText } from '../mime/text.js';
import { inSequenceSet } from '../wire/sequence.js';
import type { SearchKey } from './criteria.js';

export interface Candidate {
  seq: number;
  uid: number;
  message: StoredMessage;
}

export interface SearchScope {
  folder: Folder;
  meta: MetaCache;
  /** Largest UID and message count in the session's view, for `*`. */
  maxUid: number;
  exists: number;
}

const DAY = 86_400_000;

/**
 * Whether a message matches. Flags, sizes, dates and the common headers come from the
 * store's summary; HEADER, BODY and TEXT read the message (only when a key needs it).
 * Text keys match case-insensitively as substrings (RFC 3501 §6.4.4).
 */
export async function matches(key: SearchKey, c: Candidate, scope: SearchScope, raw = lazyRaw(scope.folder, c)): Promise<boolean> {
  const m = c.message;
  switch (key.kind) {
    case 'all': return true;
    case 'and':
      for (const k of key.keys) if (!(await matches(k, c, scope, raw))) return false;
      return true;
    case 'or': return (await matches(key.a, c, scope, raw)) || (await matches(key.b, c, scope, raw));
    case 'not': return !(await matches(key.key, c, scope, raw));
    case 'flag': return hasFlag(m, key.flag) === key.set;
    case 'recent': return hasFlag(m, '\\Recent') === key.set;
    case 'new': return hasFlag(m, '\\Recent') && !hasFlag(m, '\\Seen');
    case 'address': {
      const list = m.summary[key.field === 'from' ? 'from' : key.field];
      const entries = Array.isArray(list) ? list : list ? [list] : [];
      return entries.some((a) => contains(`${a.name ?? ''} <${a.address}>`, key.text));
    }
    case 'subject': return contains(m.summary.subject, key.text);
    case 'header': {
      const meta = await scope.meta.get(scope.folder, m);
      // HEADER name "" matches every message that has the field (§6.4.4).
      return meta.root.headers.some((h) => h.name === key.name && contains(h.value, key.text));
    }
    case 'body': {
      const meta = await scope.meta.get(scope.folder, m);
      return contains(bodyText(await raw(), meta.root), key.text);
    }
    case 'text': {
      const meta = await scope.meta.get(scope.folder, m);
      const buf = await raw();
      return contains(buf.subarray(meta.root.start, meta.root.headerEnd).toString('utf8'), key.text) || contains(bodyText(buf, meta.root), key.text);
    }
    case 'date': {
      const at = key.of === 'internal' ? m.receivedAt : m.summary.sentAt;
      if (at === undefined) return false;
      const day = Math.floor(at / DAY) * DAY;
      return key.op === 'since' ? day >= key.day : key.op === 'before' ? day < key.day : day === key.day;
    }
    case 'size': return key.op === 'larger' ? m.size > key.n : m.size < key.n;
    case 'uid': return inSequenceSet(key.ranges, c.uid, scope.maxUid);
    case 'seq': return inSequenceSet(key.ranges, c.seq, scope.exists);
  }
}

function hasFlag(m: StoredMessage, flag: string): boolean {
  if (m.flags.has(flag)) return true;
  const lower = flag.toLowerCase();
  for (const f of m.flags) if (f.toLowerCase() === lower) return true;
  return false;
}

function contains(haystack: string | undefined, needle: string): boolean {
  return (haystack ?? '').toLowerCase().includes(needle.toLowerCase());
}

function lazyRaw(folder: Folder, c: Candidate): () => Promise<Buffer> {
  let p: Promise<Buffer> | undefined;
  return () => (p ??= folder.read(c.uid));
}
