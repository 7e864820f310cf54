import { join } from 'node:path';
import type { MailStore, SandboxMailbox } from '../contract.js';
import { diskBlobs, memoryBlobs, type BlobStore } from './blobs.js';
import { newId } from './ids.js';
import { fileJournal, noJournal, type Journal, type JournalOp } from './journal.js';
import { StoreMailbox, type MailboxHost } from './mailbox.js';
import { summarize } from './summary.js';

export { NoSuchMessageError, StoreFolder } from './folder.js';
export { FolderOperationError, StoreMailbox, WELL_KNOWN_NAMES } from './mailbox.js';

export interface MailStoreOptions {
  /** Keep messages (one file each) and a metadata journal here; default: in memory. */
  dataDir?: string;
  /** The sandbox clock, ms. */
  now?: () => number;
  /** Mailboxes to have from the start (created with their well-known folders if missing). */
  mailboxes?: { address: string; displayName?: string }[];
}

/** The store plus what the sandbox core needs beyond the contract. */
export interface SandboxMailStore extends MailStore {
  mailbox(address: string): StoreMailbox | undefined;
  ensureMailbox(address: string, displayName?: string): StoreMailbox;
  /** `memory` or the data directory. */
  readonly location: string;
}

/** Create the mail store: in memory, or on disk under `dataDir` (reopening what is there). */
export function createMailStore(opts: MailStoreOptions = {}): SandboxMailStore {
  const now = opts.now ?? Date.now;
  const blobs: BlobStore = opts.dataDir ? diskBlobs(join(opts.dataDir, 'messages')) : memoryBlobs();
  const journal: Journal = opts.dataDir ? fileJournal(join(opts.dataDir, 'store.jsonl')) : noJournal;
  let lastUidValidity = 0;
  const host: MailboxHost = {
    blobs,
    journal,
    now,
    // Seconds since the epoch, but strictly increasing: a folder re-created with the same name
    // must get a new UIDVALIDITY so IMAP clients drop their cache.
    nextUidValidity: () => (lastUidValidity = Math.max(lastUidValidity + 1, Math.floor(now() / 1000) % 0x7fffffff)),
  };
  const boxes = new Map<string, StoreMailbox>();
  for (const op of journal.replay()) replayOp(boxes, host, op, (v) => (lastUidValidity = Math.max(lastUidValidity, v)));
  for (const box of boxes.values()) box.ensureWellKnown();

  const store: SandboxMailStore = {
    location: opts.dataDir ?? 'memory',
    mailbox: (address) => boxes.get(normalize(address)),
    mailboxes: (): readonly SandboxMailbox[] => [...boxes.values()],
    ensureMailbox(address, displayName) {
      const key = normalize(address);
      const existing = boxes.get(key);
      if (existing) return existing;
      const name = displayName ?? key.split('@')[0]!;
      journal.write({ op: 'mailbox', address: key, displayName: name });
      const box = new StoreMailbox(host, key, name);
      boxes.set(key, box);
      box.ensureWellKnown();
      return box;
    },
    async deliver(raw, envelope) {
      const accepted: string[] = [];
      const rejected: string[] = [];
      const targets = new Set<StoreMailbox>();
      for (const rcpt of envelope.to) {
        const box = boxes.get(normalize(rcpt));
        if (box) {
          accepted.push(rcpt);
          targets.add(box);
        } else rejected.push(rcpt);
      }
      if (targets.size === 0) return { accepted, rejected };
      // One parse for every recipient's copy.
      const summary = await summarize(raw);
      const receivedAt = now();
      for (const box of targets) {
        const id = newId();
        blobs.put(id, raw);
        await box.folder('inbox')!.add(id, raw.length, summary, [], receivedAt);
      }
      return { accepted, rejected };
    },
  };
  for (const m of opts.mailboxes ?? []) store.ensureMailbox(m.address, m.displayName);
  return store;
}

function normalize(address: string): string {
  return address.trim().toLowerCase();
}

function replayOp(boxes: Map<string, StoreMailbox>, host: MailboxHost, op: JournalOp, sawUidValidity: (v: number) => void): void {
  if (op.op === 'mailbox') {
    if (!boxes.has(op.address)) boxes.set(op.address, new StoreMailbox(host, op.address, op.displayName));
    return;
  }
  const box = boxes.get(op.mbx);
  if (!box) return;
  switch (op.op) {
    case 'folder': {
      const { op: _op, mbx: _mbx, ...init } = op;
      box.applyFolder(init);
      sawUidValidity(op.uidValidity);
      return;
    }
    case 'renameFolder':
      return box.applyRename(op.id, op.name);
    case 'deleteFolder':
      return box.applyDelete(op.id);
    case 'add':
      box.folderById(op.f)?.applyAdd(op.meta);
      return;
    case 'flags':
      if (box.folderById(op.f)?.byUid(op.uid)) box.folderById(op.f)!.applyFlags(op.uid, op.flags, op.changeKey, op.modifiedAt);
      return;
    case 'expunge':
      box.folderById(op.f)?.applyExpunge(op.uids);
      return;
    case 'itemPut':
      return box.items(op.coll).applyPut(op.record);
    case 'itemDelete':
      return box.items(op.coll).applyDelete(op.id);
  }
}
