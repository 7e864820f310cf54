import type { Store } from './store.js';

// Placeholder: the store's owner replaces it (SQLite by default, MAILBRIDGE_DATABASE_URL later).
export async function openStore(_opts: { home: string; env: NodeJS.ProcessEnv }): Promise<Store> {
  throw new Error('store not built yet');
}
