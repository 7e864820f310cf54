// A separate process that increments a counter kept in the token state by read + compare-and-set,
// retrying when another process won: used by sqlite.test.ts to check CAS across processes.
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createSealer } from '../../src/store/seal.js';

const [path, keyB64, countArg] = process.argv.slice(2);
const store = openSqliteStore({ path: path!, sealer: createSealer(Buffer.from(keyB64!, 'base64')) });
let conflicts = 0;
for (let i = 0; i < Number(countArg); i++) {
  for (;;) {
    const cur = await store.getTokenState('shared');
    const n = Number(cur?.grantedScope ?? '0');
    const next = await store.compareAndSetTokenState('shared', cur?.version ?? 0, { status: 'Available', grantedScope: String(n + 1) });
    if (next) break;
    conflicts++;
  }
}
await store.close();
process.stdout.write(JSON.stringify({ conflicts }));
