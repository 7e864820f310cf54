// One "instance" in its own process: a TokenManager on its own PostgreSQL store asking for the
// access token of a resource N times at once, when the test says go. Arguments: database URL, key (base64), resource, N.
// Prints {"tokens": [...]} (the test compares them; they are throwaway emulator tokens).
import { TokenManager } from '../../src/auth/token-manager.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createSealer } from '../../src/store/seal.js';

const [url, keyB64, name, countArg] = process.argv.slice(2);
const store = await openPostgresStore({ url: url!, sealer: createSealer(Buffer.from(keyB64!, 'base64')), poolSize: 3, lockPoolSize: 1 });
// Ready, then wait for the test's go (a line on stdin) so that every process asks at once.
process.stderr.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
const manager = new TokenManager({ store, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5_000 } });
const tokens = await Promise.all(Array.from({ length: Number(countArg) }, () => manager.getAccessToken(name!)));
await store.close();
process.stdout.write(JSON.stringify({ tokens: tokens.map((t) => t.token.reveal()) }));
