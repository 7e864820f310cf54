import { WELL_KNOWN_FOLDERS, type Folder, type SandboxMailbox, type WellKnownFolder } from '../contract.js';
import type { BlobStore } from './blobs.js';
import { StoreFolder } from './folder.js';
import { newId } from './ids.js';
import { StoreItems, type CollectionName } from './items.js';
import type { Journal } from './journal.js';

/** Display names Exchange Online gives its well-known folders (English mailbox locale). */
export const WELL_KNOWN_NAMES: Record<WellKnownFolder, string> = {
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  drafts: 'Drafts',
  deleteditems: 'Deleted Items',
  junkemail: 'Junk Email',
  archive: 'Archive',
  outbox: 'Outbox',
};

/** A folder operation that cannot be done (duplicate name, well-known folder…): endpoints map it. */
export class FolderOperationError extends Error {
  constructor(
    readonly code: 'FOLDER_EXISTS' | 'FOLDER_PROTECTED' | 'FOLDER_NAME_INVALID' | 'FOLDER_NOT_IN_MAILBOX',
    message: string,
  ) {
    super(message);
  }
}

export interface MailboxHost {
  blobs: BlobStore;
  journal: Journal;
  now(): number;
  nextUidValidity(): number;
}

export class StoreMailbox implements SandboxMailbox {
  private readonly byId = new Map<string, StoreFolder>();
  readonly calendar: StoreItems;
  readonly contacts: StoreItems;
  readonly tasks: StoreItems;

  constructor(
    private readonly host: MailboxHost,
    readonly address: string,
    readonly displayName: string,
  ) {
    this.calendar = new StoreItems(address, 'calendar', host.journal, host.now);
    this.contacts = new StoreItems(address, 'contacts', host.journal, host.now);
    this.tasks = new StoreItems(address, 'tasks', host.journal, host.now);
  }

  /** Creates the well-known folders that are missing (new mailbox, or one replayed from disk). */
  ensureWellKnown(): void {
    for (const wk of WELL_KNOWN_FOLDERS) {
      if (![...this.byId.values()].some((f) => f.wellKnown === wk)) this.newFolder(WELL_KNOWN_NAMES[wk], undefined, wk);
    }
  }

  folders(): readonly Folder[] {
    return [...this.byId.values()];
  }

  folder(ref: string): StoreFolder | undefined {
    const direct = this.byId.get(ref);
    if (direct) return direct;
    const lower = ref.toLowerCase();
    for (const f of this.byId.values()) if (f.wellKnown === lower) return f;
    // Exchange folder names are case-insensitive (no two siblings differ only by case).
    const path = ref.replace(/\/+$/, '').toLowerCase();
    for (const f of this.byId.values()) if (f.path.toLowerCase() === path) return f;
    return undefined;
  }

  createFolder(name: string, parent?: Folder): Folder {
    if (!name || name.includes('/') || name.trim() !== name) {
      throw new FolderOperationError('FOLDER_NAME_INVALID', `folder name "${name}" is empty, has a "/" or surrounding spaces`);
    }
    const p = parent ? this.own(parent) : undefined;
    this.assertFree(name, p?.id);
    return this.newFolder(name, p?.id);
  }

  deleteFolder(folder: Folder): void {
    const f = this.own(folder);
    if (f.wellKnown) throw new FolderOperationError('FOLDER_PROTECTED', `${f.name} is a well-known folder and cannot be deleted`);
    for (const d of [f, ...this.descendants(f)]) {
      this.host.journal.write({ op: 'deleteFolder', mbx: this.address, id: d.id });
      d.dropAllBlobs();
      this.byId.delete(d.id);
    }
  }

  renameFolder(folder: Folder, newName: string): void {
    const f = this.own(folder);
    if (f.wellKnown) throw new FolderOperationError('FOLDER_PROTECTED', `${f.name} is a well-known folder and cannot be renamed`);
    if (!newName || newName.includes('/')) throw new FolderOperationError('FOLDER_NAME_INVALID', `folder name "${newName}" is empty or has a "/"`);
    this.assertFree(newName, f.parentId, f.id);
    this.host.journal.write({ op: 'renameFolder', mbx: this.address, id: f.id, name: newName });
    f.setName(newName);
  }

  // ---- replay ----
  applyFolder(init: { id: string; name: string; parentId?: string; wellKnown?: WellKnownFolder; uidValidity: number }): StoreFolder {
    const f = new StoreFolder(this.folderHost(), init);
    this.byId.set(f.id, f);
    return f;
  }
  applyRename(id: string, name: string): void {
    this.byId.get(id)?.setName(name);
  }
  applyDelete(id: string): void {
    this.byId.delete(id);
  }
  items(coll: CollectionName): StoreItems {
    return this[coll];
  }
  folderById(id: string): StoreFolder | undefined {
    return this.byId.get(id);
  }

  private newFolder(name: string, parentId?: string, wellKnown?: WellKnownFolder): StoreFolder {
    const init = {
      id: newId(), name, uidValidity: this.host.nextUidValidity(),
      ...(parentId ? { parentId } : {}), ...(wellKnown ? { wellKnown } : {}),
    };
    this.host.journal.write({ op: 'folder', mbx: this.address, ...init });
    return this.applyFolder(init);
  }

  private folderHost() {
    return {
      mailbox: this.address,
      blobs: this.host.blobs,
      journal: this.host.journal,
      now: this.host.now,
      pathOf: (f: StoreFolder): string => this.pathOf(f),
    };
  }

  private pathOf(f: StoreFolder): string {
    const parent = f.parentId ? this.byId.get(f.parentId) : undefined;
    if (parent) return `${this.pathOf(parent)}/${f.name}`;
    return f.wellKnown === 'inbox' ? 'INBOX' : f.name;
  }

  private descendants(f: StoreFolder): StoreFolder[] {
    const out: StoreFolder[] = [];
    for (const c of this.byId.values()) if (c.parentId === f.id) out.push(c, ...this.descendants(c));
    return out;
  }

  private assertFree(name: string, parentId: string | undefined, except?: string): void {
    const clash = [...this.byId.values()].find(
      (f) => f.parentId === parentId && f.id !== except && f.name.toLowerCase() === name.toLowerCase(),
    );
    if (clash) throw new FolderOperationError('FOLDER_EXISTS', `a folder named "${clash.name}" already exists there`);
  }

  private own(folder: Folder): StoreFolder {
    const f = this.byId.get(folder.id);
    if (!f || f !== folder) throw new FolderOperationError('FOLDER_NOT_IN_MAILBOX', `folder ${folder.name} is not in ${this.address}`);
    return f;
  }
}
