import type { Folder, StoredMessage } from '../contract.js';
import { flagList } from './flags.js';

/**
 * The selected folder as one session sees it: the UIDs in sequence-number order, and the
 * changes other sessions (and this one) made that it has not been told yet. Changes arrive as
 * folder events and leave as untagged EXPUNGE / EXISTS / FETCH when the session may send them.
 */
export class SelectedView {
  readonly folder: Folder;
  readonly readOnly: boolean;
  /** Ascending UIDs; index + 1 is the sequence number. */
  readonly uids: number[];
  #expunged: number[] = [];
  #added: number[] = [];
  #flagged = new Map<number, StoredMessage>();
  /** Called when something changed (IDLE pushes at once). */
  onChange: (() => void) | undefined;

  readonly #onExists = (m: StoredMessage) => {
    this.#added.push(m.uid);
    this.onChange?.();
  };
  readonly #onExpunge = (uid: number) => {
    this.#expunged.push(uid);
    this.#flagged.delete(uid);
    this.onChange?.();
  };
  readonly #onFlags = (m: StoredMessage) => {
    this.#flagged.set(m.uid, m);
    this.onChange?.();
  };

  constructor(folder: Folder, readOnly: boolean) {
    this.folder = folder;
    this.readOnly = readOnly;
    this.uids = folder.list().map((m) => m.uid);
    folder.on('exists', this.#onExists);
    folder.on('expunge', this.#onExpunge);
    folder.on('flags', this.#onFlags);
  }

  close(): void {
    this.folder.off('exists', this.#onExists);
    this.folder.off('expunge', this.#onExpunge);
    this.folder.off('flags', this.#onFlags);
    this.onChange = undefined;
  }

  get exists(): number {
    return this.uids.length;
  }

  /** Sequence number of a UID in this view, 0 when it is not in it. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid] as number;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** This session reported these flags itself (STORE): no second untagged FETCH for them. */
  forgetFlags(uids: Iterable<number>): void {
    for (const u of uids) this.#flagged.delete(u);
  }

  /** The untagged responses owed, applied to the view. EXPUNGE only when `allowExpunge`. */
  takeUpdates(allowExpunge: boolean): Buffer[] {
    const out: Buffer[] = [];
    if (allowExpunge && this.#expunged.length > 0) {
      for (const uid of this.#expunged) {
        const seq = this.seqOf(uid);
        if (seq === 0) {
          // Added and removed before the session heard of it: it never sees either.
          this.#added = this.#added.filter((u) => u !== uid);
          continue;
        }
        this.uids.splice(seq - 1, 1);
        out.push(Buffer.from(`* ${seq} EXPUNGE\r\n`));
      }
      this.#expunged = [];
    }
    if (this.#added.length > 0) {
      const fresh = this.#added.filter((u) => this.seqOf(u) === 0 && this.folder.byUid(u)).sort((a, b) => a - b);
      this.#added = [];
      if (fresh.length > 0) {
        this.uids.push(...fresh);
        out.push(Buffer.from(`* ${this.uids.length} EXISTS\r\n`));
      }
    }
    for (const [uid, m] of this.#flagged) {
      const seq = this.seqOf(uid);
      if (seq > 0) out.push(Buffer.from(`* ${seq} FETCH (UID ${uid} FLAGS (${flagList(m.flags)}))\r\n`));
    }
    this.#flagged.clear();
    return out;
  }
}
