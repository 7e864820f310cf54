import { resealValue, SEALED_COLUMNS, SEALED_KEY_TAGS_SQL } from '../sealed-columns.js';
import type { SealingStore } from '../store.js';
import type { SqlContext } from './context.js';

/** What the key check at start and `mailbridge key rotate` need (sealed-columns.ts lists the columns). */
export function sqlSealingStore({ db, sealer }: SqlContext): SealingStore {
  return {
    async sealedKeyTags() {
      return (await db.all<{ tag: string }>(SEALED_KEY_TAGS_SQL)).map((r) => r.tag);
    },

    async resealAll(next) {
      return db.transaction(async (tx) => {
        let count = 0;
        for (const c of SEALED_COLUMNS) {
          // FOR UPDATE (PostgreSQL): a writer that slipped past the "no live instance" check
          // waits, then sees the new values. SQLite's transaction holds the write lock already.
          const rows = await tx.all<Record<string, string>>(
            `SELECT ${[...c.keys, c.column].join(', ')} FROM ${c.table} WHERE ${c.column} IS NOT NULL ${db.dialect.forUpdate}`,
          );
          const where = c.keys.map((k) => `${k} = ?`).join(' AND ');
          for (const row of rows) {
            await tx.run(`UPDATE ${c.table} SET ${c.column} = ? WHERE ${where}`, [
              resealValue(sealer, next, c, row),
              ...c.keys.map((k) => row[k]),
            ]);
            count++;
          }
        }
        return count;
      });
    },
  };
}
