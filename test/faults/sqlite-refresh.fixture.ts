// One process of the two-process SQLite refresh test: opens the shared store file, says
// "ready", waits for "go" on stdin (so both processes start at the same moment), then asks
// for the resource's access token (expired in the store, so it refreshes). Prints JSON with
// the access token it got and the refresh tokens the token endpoint handed it (throwaway
// emulator tokens; the parent compares them with what the store kept).
// Arguments: database path, key (base64), resource name.
import { createInterface } from 'node:readline';
import { TokenManager } from '../../src/auth/token-manager.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

const [path, keyB64, name] = process.argv.slice(2);
const store = openSqliteStore({ path: path!, sealer: createSealer(Buffer.from(keyB64!, 'base64')) });
const received: string[] = [];
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const body = (await res.clone().json().catch(() => ({}))) as { refresh_token?: unknown };
  if (typeof body.refresh_token === 'string') received.push(body.refresh_token);
  return res;
};
const manager = new TokenManager({ store, fetch: recordingFetch, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5_000 } });
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();
const token = await manager.getAccessToken(name!);
await store.close();
process.stdout.write(`${JSON.stringify({ accessToken: token.token.reveal(), received })}\n`);
