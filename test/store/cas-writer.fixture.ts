// A separate process that increments a counter kept in the token state by read + compare-and-set,
// retrying when another process won: used by the store suite to check CAS across processes.
// Arguments: database URL (sqlite:PATH or postgres://…), sealing key (base64), increments.
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createSealer } from '../../src/store/seal.js';

const [url, keyB64, countArg] = process.argv.slice(2);
const sealer = createSealer(Buffer.from(keyB64!, 'base64'));
const store = url!.startsWith('sqlite:') ? openSqliteStore({ path: url!.slice('sqlite:'.length), sealer }) : await openPostgresStore({ url: url!, sealer, poolSize: 2 });
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
