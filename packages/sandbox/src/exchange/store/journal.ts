import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ItemRecord, MessageSummary, WellKnownFolder } from '../contract.js';

/** What a message's metadata looks like on disk (its raw bytes are a separate file). */
export interface MessageMeta {
  uid: number;
  id: string;
  changeKey: string;
  receivedAt: number;
  modifiedAt: number;
  flags: string[];
  size: number;
  summary: MessageSummary;
}

/** Every change to the store, in order: replaying them rebuilds the store (disk mode). */
export type JournalOp =
  | { op: 'mailbox'; address: string; displayName: string }
  | { op: 'folder'; mbx: string; id: string; name: string; parentId?: string; wellKnown?: WellKnownFolder; uidValidity: number }
  | { op: 'renameFolder'; mbx: string; id: string; name: string }
  | { op: 'deleteFolder'; mbx: string; id: string }
  | { op: 'add'; mbx: string; f: string; meta: MessageMeta }
  | { op: 'flags'; mbx: string; f: string; uid: number; flags: string[]; changeKey: string; modifiedAt: number }
  | { op: 'expunge'; mbx: string; f: string; uids: number[] }
  | { op: 'itemPut'; mbx: string; coll: 'calendar' | 'contacts' | 'tasks'; record: ItemRecord }
  | { op: 'itemDelete'; mbx: string; coll: 'calendar' | 'contacts' | 'tasks'; id: string };

export interface Journal {
  write(op: JournalOp): void;
  /** Ops written by an earlier run (disk mode), oldest first. */
  replay(): JournalOp[];
}

/** In memory nothing is written and nothing replays. */
export const noJournal: Journal = { write: () => undefined, replay: () => [] };

/**
 * One JSON line per change, appended synchronously: a message is only acknowledged once its
 * metadata is on disk, and a restart replays the lines (no whole-file rewrite per change,
 * which would be quadratic with 10,000 messages).
 */
export function fileJournal(path: string): Journal {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return {
    write: (op) => appendFileSync(path, `${JSON.stringify(op)}\n`, { mode: 0o600 }),
    replay() {
      if (!existsSync(path)) return [];
      const ops: JournalOp[] = [];
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          ops.push(JSON.parse(line) as JournalOp);
        } catch {
          // A line cut short by a crash mid-write: everything before it is intact, so stop here.
          break;
        }
      }
      return ops;
    },
  };
}
