import type { ItemCollection, ItemRecord } from '../contract.js';
import { newChangeKey, newId } from './ids.js';
import type { Journal } from './journal.js';

export type CollectionName = 'calendar' | 'contacts' | 'tasks';

/** Calendar events, contacts or tasks of one mailbox: JSON records in Graph's property names. */
export class StoreItems implements ItemCollection {
  private readonly records = new Map<string, ItemRecord>();

  constructor(
    private readonly mailbox: string,
    private readonly coll: CollectionName,
    private readonly journal: Journal,
    private readonly now: () => number,
  ) {}

  list(): readonly ItemRecord[] {
    return [...this.records.values()];
  }
  get(id: string): ItemRecord | undefined {
    return this.records.get(id);
  }
  create(data: Record<string, unknown>): ItemRecord {
    const t = this.now();
    return this.put({ id: newId(), changeKey: newChangeKey(), createdAt: t, modifiedAt: t, data: structuredClone(data) });
  }
  update(id: string, patch: Record<string, unknown>): ItemRecord | undefined {
    const old = this.records.get(id);
    if (!old) return undefined;
    return this.put({ ...old, changeKey: newChangeKey(), modifiedAt: this.now(), data: { ...old.data, ...structuredClone(patch) } });
  }
  delete(id: string): boolean {
    if (!this.records.has(id)) return false;
    this.journal.write({ op: 'itemDelete', mbx: this.mailbox, coll: this.coll, id });
    this.records.delete(id);
    return true;
  }

  /** Replay path. */
  applyPut(record: ItemRecord): void {
    this.records.set(record.id, record);
  }
  applyDelete(id: string): void {
    this.records.delete(id);
  }

  private put(record: ItemRecord): ItemRecord {
    this.journal.write({ op: 'itemPut', mbx: this.mailbox, coll: this.coll, record });
    this.records.set(record.id, record);
    return record;
  }
}
