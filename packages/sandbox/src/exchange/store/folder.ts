import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { ChangeEntry, Folder, FolderEvents, StoredMessage, WellKnownFolder } from '../contract.js';
import type { BlobStore } from './blobs.js';
import { newChangeKey, newId } from './ids.js';
import type { Journal, MessageMeta } from './journal.js';
import { summarize } from './summary.js';

/** What a folder needs from its store. */
export interface FolderHost {
  mailbox: string;
  blobs: BlobStore;
  journal: Journal;
  now(): number;
  /** The folder's current IMAP path (it changes when an ancestor is renamed). */
  pathOf(folder: StoreFolder): string;
}

export class StoreFolder extends EventEmitter<{ [K in keyof FolderEvents]: FolderEvents[K] }> implements Folder {
  readonly id: string;
  readonly wellKnown?: WellKnownFolder;
  readonly uidValidity: number;
  private displayName: string;
  private parent: string | undefined;
  private nextUid = 1;
  private readonly messages: StoredMessage[] = [];
  private readonly uidIndex = new Map<number, StoredMessage>();
  private readonly idIndex = new Map<string, StoredMessage>();
  private readonly log: ChangeEntry[] = [];
  private seq = 0;

  constructor(
    private readonly host: FolderHost,
    init: { id: string; name: string; parentId?: string; wellKnown?: WellKnownFolder; uidValidity: number },
  ) {
    super();
    // IDLE sessions, Graph subscriptions and triggers all listen on busy folders.
    this.setMaxListeners(0);
    this.id = init.id;
    this.displayName = init.name;
    this.parent = init.parentId;
    if (init.wellKnown) this.wellKnown = init.wellKnown;
    this.uidValidity = init.uidValidity;
  }

  get name(): string {
    return this.displayName;
  }
  get path(): string {
    return this.host.pathOf(this);
  }
  get parentId(): string | undefined {
    return this.parent;
  }
  get uidNext(): number {
    return this.nextUid;
  }

  /** Renames in place (the store journals it and fixes descendants' paths, which are derived). */
  setName(name: string): void {
    this.displayName = name;
  }

  list(): readonly StoredMessage[] {
    return this.messages;
  }
  byUid(uid: number): StoredMessage | undefined {
    return this.uidIndex.get(uid);
  }
  byId(id: string): StoredMessage | undefined {
    return this.idIndex.get(id);
  }

  async append(raw: Buffer, opts: { flags?: Iterable<string>; receivedAt?: number } = {}): Promise<StoredMessage> {
    const summary = await summarize(raw);
    const id = newId();
    this.host.blobs.put(id, raw);
    return this.add(id, raw.length, summary, opts.flags ?? [], opts.receivedAt ?? this.host.now());
  }

  async read(uid: number): Promise<Buffer> {
    return this.host.blobs.read(this.must(uid).id);
  }

  stream(uid: number): Readable {
    return this.host.blobs.stream(this.must(uid).id);
  }

  setFlags(uid: number, flags: Iterable<string>): StoredMessage {
    this.must(uid);
    const next = [...new Set(flags)];
    const op = { op: 'flags' as const, mbx: this.host.mailbox, f: this.id, uid, flags: next, changeKey: newChangeKey(), modifiedAt: this.host.now() };
    this.host.journal.write(op);
    const updated = this.applyFlags(op.uid, op.flags, op.changeKey, op.modifiedAt);
    this.emit('flags', updated);
    return updated;
  }

  async copyTo(uid: number, target: Folder): Promise<StoredMessage> {
    const src = this.must(uid);
    const dest = asStoreFolder(target);
    const id = newId();
    this.host.blobs.copy(src.id, id);
    return dest.add(id, src.size, src.summary, src.flags, src.receivedAt);
  }

  async moveTo(uid: number, target: Folder): Promise<StoredMessage> {
    const src = this.must(uid);
    const dest = asStoreFolder(target);
    if (dest === this) throw new Error('cannot move a message into the folder it is in');
    const id = newId();
    // The bytes move with the message: a rename, never a second copy of a 25 MB file.
    this.host.blobs.rename(src.id, id);
    const moved = await dest.add(id, src.size, src.summary, src.flags, src.receivedAt);
    this.removeUids([uid], false);
    return moved;
  }

  expunge(uids: Iterable<number>): void {
    this.removeUids([...uids], true);
  }

  changesSince(afterSeq: number): { changes: ChangeEntry[]; seq: number } {
    // The log is in seq order, so a binary search finds the start without scanning 10,000 entries.
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return { changes: this.log.slice(lo), seq: this.seq };
  }

  counts(): { total: number; unseen: number; recent: number } {
    let unseen = 0;
    for (const m of this.messages) if (!m.flags.has('\\Seen')) unseen++;
    // \Recent is per IMAP session at Exchange and reported as 0 to clients; we do the same.
    return { total: this.messages.length, unseen, recent: 0 };
  }

  /** Adds a message whose bytes are already in the blob store under `id`; journals it. */
  async add(id: string, size: number, summary: StoredMessage['summary'], flags: Iterable<string>, receivedAt: number): Promise<StoredMessage> {
    const meta: MessageMeta = {
      uid: this.nextUid,
      id,
      changeKey: newChangeKey(),
      receivedAt,
      modifiedAt: this.host.now(),
      flags: [...new Set(flags)],
      size,
      summary,
    };
    this.host.journal.write({ op: 'add', mbx: this.host.mailbox, f: this.id, meta });
    const msg = this.applyAdd(meta);
    this.emit('exists', msg);
    return msg;
  }

  /** Replay and live paths share these, so a replayed store is the store that was written. */
  applyAdd(meta: MessageMeta): StoredMessage {
    const msg: StoredMessage = { ...meta, flags: new Set(meta.flags) };
    this.messages.push(msg);
    this.uidIndex.set(msg.uid, msg);
    this.idIndex.set(msg.id, msg);
    this.nextUid = Math.max(this.nextUid, meta.uid + 1);
    this.record('created', msg.id);
    return msg;
  }

  applyFlags(uid: number, flags: string[], changeKey: string, modifiedAt: number): StoredMessage {
    const old = this.must(uid);
    const updated: StoredMessage = { ...old, flags: new Set(flags), changeKey, modifiedAt };
    // UIDs only grow, so the message's position is found by binary search.
    this.messages[this.indexOf(uid)] = updated;
    this.uidIndex.set(uid, updated);
    this.idIndex.set(updated.id, updated);
    this.record('updated', updated.id);
    return updated;
  }

  applyExpunge(uids: number[]): StoredMessage[] {
    const gone = new Set<number>();
    const removed: StoredMessage[] = [];
    for (const uid of uids) {
      const m = this.uidIndex.get(uid);
      if (!m || gone.has(uid)) continue;
      gone.add(uid);
      removed.push(m);
      this.uidIndex.delete(uid);
      this.idIndex.delete(m.id);
      this.record('deleted', m.id);
    }
    if (gone.size > 0) {
      let w = 0;
      for (const m of this.messages) if (!gone.has(m.uid)) this.messages[w++] = m;
      this.messages.length = w;
    }
    return removed;
  }

  /** Every message's bytes, for deleting a whole folder. */
  dropAllBlobs(): void {
    for (const m of this.messages) this.host.blobs.remove(m.id);
  }

  private removeUids(uids: number[], dropBlobs: boolean): void {
    const known = uids.filter((u) => this.uidIndex.has(u));
    if (known.length === 0) return;
    this.host.journal.write({ op: 'expunge', mbx: this.host.mailbox, f: this.id, uids: known });
    for (const m of this.applyExpunge(known)) {
      if (dropBlobs) this.host.blobs.remove(m.id);
      this.emit('expunge', m.uid, m.id);
    }
  }

  private record(kind: ChangeEntry['kind'], id: string): void {
    this.log.push({ seq: ++this.seq, kind, id });
  }

  private indexOf(uid: number): number {
    let lo = 0;
    let hi = this.messages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.messages[mid]!.uid;
      if (u === uid) return mid;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new Error(`uid ${uid} not in folder ${this.displayName}`);
  }

  private must(uid: number): StoredMessage {
    const m = this.uidIndex.get(uid);
    if (!m) throw new NoSuchMessageError(this.displayName, uid);
    return m;
  }
}

/** A uid that is not (or no longer) in the folder: endpoints answer NO / ErrorItemNotFound / 404. */
export class NoSuchMessageError extends Error {
  readonly code = 'NO_SUCH_MESSAGE';
  constructor(folder: string, uid: number) {
    super(`no message with uid ${uid} in ${folder}`);
  }
}

function asStoreFolder(f: Folder): StoreFolder {
  if (!(f instanceof StoreFolder)) throw new Error('target folder does not belong to this store');
  return f;
}
